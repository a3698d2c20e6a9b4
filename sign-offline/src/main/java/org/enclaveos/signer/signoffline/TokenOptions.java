package org.enclaveos.signer.signoffline;

import java.nio.file.Path;

import picocli.CommandLine.Option;

/** The options that name a PKCS#11 token, a key on it and where its PIN comes from: sign-offline's and keygen's. */
public final class TokenOptions {
    @Option(names = "--pkcs11-config", paramLabel = "CFG", description = "SunPKCS11 configuration of the HSM.")
    Path config;

    @Option(names = "--key-alias", paramLabel = "NAME", description = "The key's alias on the token.")
    String alias;

    @Option(names = "--pin-file", paramLabel = "FILE", description = "Read the token PIN from FILE's first line.")
    Path pinFile;

    @Option(names = "--pin-env", paramLabel = "VAR", description = "Read the token PIN from variable VAR.")
    String pinEnv;

    /** The PIN: from the file, the named variable, or typed at a prompt (never an argument). */
    char[] pin() {
        return Secrets.read("PIN", pinFile, pinEnv, "PIN for the token of " + config + ": ", "--pin-file or --pin-env");
    }

    boolean pinGiven() {
        return pinFile != null || pinEnv != null;
    }
}
