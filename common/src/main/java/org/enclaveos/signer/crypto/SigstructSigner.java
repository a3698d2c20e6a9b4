package org.enclaveos.signer.crypto;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.Signature;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.sgx.Sigstruct;

/**
 * Turns an unsigned SIGSTRUCT into a signed one. Two ways in, as Fortanix's sgxs-sign has them: sign
 * with a key we hold (PEM or HSM), or assemble a signature made elsewhere ({@code openssl pkeyutl}, an
 * HSM console). Either way the result is verified before it is returned: a faulty signer, an HSM
 * included, must never release a bad SIGSTRUCT.
 */
public final class SigstructSigner {
    private SigstructSigner() {
    }

    /** Signs the SIGSTRUCT's payload with RSASSA-PKCS1-v1_5 SHA-256 and fills in the signature fields. */
    public static Sigstruct sign(Sigstruct unsigned, SigningKey key) {
        byte[] signature;
        try {
            Signature rsa = key.newSignature();
            rsa.initSign(key.privateKey());
            rsa.update(unsigned.signingPayload());
            signature = rsa.sign();
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new SignerException(ErrorKind.KEY, key.source() + ": signing failed: " + e.getMessage(), e);
        }
        return assemble(unsigned, key.publicKey(), signature);
    }

    /**
     * Puts an externally made signature into the SIGSTRUCT.
     *
     * @param bigEndianSignature the 384-byte signature as OpenSSL and HSMs return it
     */
    public static Sigstruct assemble(Sigstruct unsigned, VerifyingKey key, byte[] bigEndianSignature) {
        if (bigEndianSignature.length != KeyRules.MODULUS_BYTES) {
            throw new SignerException(ErrorKind.VERIFICATION_FAILED, "signature has " + bigEndianSignature.length
                    + " bytes, expected " + KeyRules.MODULUS_BYTES + " (RSA-3072, big-endian)");
        }
        BigInteger s = new BigInteger(1, bigEndianSignature);
        BigInteger m = key.modulus();
        if (s.compareTo(m) >= 0) {
            throw new SignerException(ErrorKind.VERIFICATION_FAILED, "signature is not smaller than the modulus");
        }
        Rsa.Q1Q2 q = Rsa.q1q2(s, m);
        Sigstruct signed = unsigned.withSignature(key.modulusLittleEndian(), Rsa.toLittleEndian(s),
                Rsa.toLittleEndian(q.q1()), Rsa.toLittleEndian(q.q2()));
        Verification check = SigstructVerifier.verify(signed);
        if (!check.valid()) {
            throw new SignerException(ErrorKind.VERIFICATION_FAILED, "the signer produced a SIGSTRUCT that does not verify: "
                    + check.firstFailure().orElseThrow().describe());
        }
        return signed;
    }
}
