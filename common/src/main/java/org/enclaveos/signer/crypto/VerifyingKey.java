package org.enclaveos.signer.crypto;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAPublicKeySpec;

import org.enclaveos.signer.io.LittleEndian;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;

/** An SGX signer's public key: RSA-3072, e=3, checked on construction. */
public final class VerifyingKey {
    private final RSAPublicKey key;

    private VerifyingKey(RSAPublicKey key) {
        this.key = key;
    }

    /** Wraps a JCA public key; refuses anything but RSA-3072 with exponent 3. */
    public static VerifyingKey of(java.security.PublicKey key, String source) {
        return new VerifyingKey(KeyRules.require(key, source));
    }

    /** The key whose modulus a SIGSTRUCT carries (exponent 3, as SGX requires). */
    public static VerifyingKey fromSigstruct(Sigstruct sigstruct, String source) {
        BigInteger modulus = new BigInteger(1, LittleEndian.reversed(sigstruct.modulusLittleEndian()));
        return of(rsaPublicKey(modulus, KeyRules.EXPONENT), source);
    }

    static RSAPublicKey rsaPublicKey(BigInteger modulus, BigInteger exponent) {
        try {
            return (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(modulus, exponent));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot build an RSA public key", e);
        }
    }

    public RSAPublicKey rsa() {
        return key;
    }

    public BigInteger modulus() {
        return key.getModulus();
    }

    /** MODULUS as SIGSTRUCT stores it: 384 bytes, little-endian. */
    public byte[] modulusLittleEndian() {
        return Rsa.toLittleEndian(key.getModulus());
    }

    /** MRSIGNER: SHA-256 of the little-endian modulus. */
    public Hash256 mrsigner() {
        return Hash256.sha256(modulusLittleEndian());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VerifyingKey other && key.getModulus().equals(other.key.getModulus());
    }

    @Override
    public int hashCode() {
        return key.getModulus().hashCode();
    }

    @Override
    public String toString() {
        return "VerifyingKey[mrsigner=" + mrsigner() + "]";
    }
}
