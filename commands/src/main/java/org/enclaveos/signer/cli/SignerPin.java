package org.enclaveos.signer.cli;

import java.nio.file.Path;

import org.enclaveos.signer.sgx.Hash256;

import picocli.CommandLine.Option;

/**
 * The only acceptable signer, as prepare (which pins it into the requests) and attach (which
 * refuses any other) take it: an MRSIGNER in hex, or the public key. A picocli argument group:
 * declare it {@code @ArgGroup(exclusive = true)}.
 */
public final class SignerPin {
    @Option(names = "--expected-signer", paramLabel = "HEX", description = "MRSIGNER of the only acceptable key.")
    String mrsigner;

    @Option(names = "--signer-key", paramLabel = "PUB.pem", description = "Public key of the only acceptable key.")
    Path publicKey;

    /** The MRSIGNER named, read from the key file if one was given. */
    public Hash256 mrsigner() {
        return Signers.expected("--expected-signer", mrsigner, publicKey);
    }
}
