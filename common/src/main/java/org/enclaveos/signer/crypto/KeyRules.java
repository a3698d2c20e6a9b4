package org.enclaveos.signer.crypto;

import java.math.BigInteger;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;

/** The one place that says which keys SGX accepts: RSA, a 3072-bit modulus, public exponent 3. */
public final class KeyRules {
    public static final int MODULUS_BITS = 3072;
    public static final int MODULUS_BYTES = MODULUS_BITS / 8;
    public static final BigInteger EXPONENT = BigInteger.valueOf(3);

    private KeyRules() {
    }

    /** Returns the key as RSA if it is RSA-3072 with e=3; otherwise a KEY error naming what it is. */
    public static RSAPublicKey require(PublicKey key, String source) {
        if (!(key instanceof RSAPublicKey rsa)) {
            throw new SignerException(ErrorKind.KEY, source + ": key is " + describe(key)
                    + "; SGX needs RSA-3072 with exponent 3");
        }
        if (rsa.getModulus().bitLength() != MODULUS_BITS || !rsa.getPublicExponent().equals(EXPONENT)) {
            throw new SignerException(ErrorKind.KEY, source + ": key is " + describe(key)
                    + "; SGX needs RSA-3072 with exponent 3");
        }
        return rsa;
    }

    /** "RSA-2048 with exponent 65537", "EC (256 bits)", ... */
    public static String describe(PublicKey key) {
        if (key instanceof RSAPublicKey rsa) {
            return "RSA-" + rsa.getModulus().bitLength() + " with exponent " + rsa.getPublicExponent();
        }
        if (key instanceof ECPublicKey ec) {
            return "EC (" + ec.getParams().getCurve().getField().getFieldSize() + " bits)";
        }
        return key.getAlgorithm();
    }
}
