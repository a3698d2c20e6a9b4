package org.enclaveos.signer.cli;

import java.nio.file.Path;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.crypto.PemKeys;
import org.enclaveos.signer.sgx.Hash256;

/** The signer a user names on the command line: an MRSIGNER in hex, or a public key file. */
public final class Signers {
    private Signers() {
    }

    /**
     * @param option    the hex option's name, for the message ("--mrsigner", "--expected-signer")
     * @param mrsigner  its value, or null
     * @param publicKey the public key option's value, or null (one of the two is given)
     */
    public static Hash256 expected(String option, String mrsigner, Path publicKey) {
        if (publicKey != null) {
            return PemKeys.loadVerifyingKey(publicKey).mrsigner();
        }
        try {
            return Hash256.parse(option, mrsigner);
        } catch (IllegalArgumentException e) {
            throw new SignerException(ErrorKind.USAGE, e.getMessage());
        }
    }
}
