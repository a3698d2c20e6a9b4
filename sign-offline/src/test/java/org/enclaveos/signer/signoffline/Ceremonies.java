package org.enclaveos.signer.signoffline;

import java.nio.file.Files;
import java.nio.file.Path;

import org.enclaveos.signer.crypto.PemKeys;
import org.enclaveos.signer.crypto.SigningKey;
import org.enclaveos.signer.testing.CliRun;
import org.enclaveos.signer.testing.TestKeys;

/** What the sign-offline tests share: the test signer as a PEM file, and a ceremony run in-process. */
final class Ceremonies {
    private Ceremonies() {
    }

    /** The shared test signer. */
    static SigningKey key() {
        return TestKeys.key("signer");
    }

    /** The shared test signer written as an unencrypted PEM file (0600) into {@code dir}. */
    static Path keyFile(Path dir) {
        Path f = dir.resolve("signer.pem");
        if (!Files.exists(f)) {
            PemKeys.writePrivateKey(key(), f);
        }
        return f;
    }

    static CliRun sign(String... args) {
        return CliRun.run(new SignOfflineCommand(), args);
    }
}
