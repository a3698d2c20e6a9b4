package org.enclaveos.signer.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.enclaveos.signer.testing.Tools;

/**
 * A fresh SoftHSM2 token in a directory of the test's, for the commands run as processes: the variable
 * that points SoftHSM2 at it ({@link #env}, {@code SOFTHSM2_CONF=...}) and a SunPKCS11 configuration
 * for it ({@link #config}). Its user PIN is {@link #PIN}.
 */
record SoftHsmToken(String env, Path config) {
    static final String PIN = "2468";

    /** Skips (or fails, where the tools are required) when softhsm2-util is not installed. */
    static SoftHsmToken init(Path dir, String label) throws IOException {
        Tools.require("softhsm2-util");
        Path tokens = Files.createDirectories(dir.resolve("tokens"));
        Path conf = Files.writeString(dir.resolve("softhsm2.conf"), "directories.tokendir = " + tokens + "\n");
        String env = "SOFTHSM2_CONF=" + conf;
        Tools.ok("env", env, "softhsm2-util", "--init-token", "--free", "--label", label, "--so-pin", "1357", "--pin", PIN);
        Path config = Files.writeString(dir.resolve("hsm.cfg"), "name = " + label + "\nlibrary = /usr/lib/softhsm/libsofthsm2.so\n"
                + "slotListIndex = 0\n");
        return new SoftHsmToken(env, config);
    }
}
