package org.enclaveos.signer.crypto;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Signature;
import java.security.interfaces.RSAPrivateCrtKey;

import org.enclaveos.signer.sgx.Hash256;

/**
 * A private key able to sign SIGSTRUCTs, with its public half. It may live in memory (PEM) or in an
 * HSM (a PKCS#11 handle that never leaves the token). {@link #toString()} never shows key material.
 */
public final class SigningKey {
    private final PrivateKey privateKey;
    private final VerifyingKey publicKey;
    private final String source;
    private final Provider provider;

    private SigningKey(PrivateKey privateKey, VerifyingKey publicKey, String source, Provider provider) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
        this.source = source;
        this.provider = provider;
    }

    /**
     * Pairs a private key with its public key, refusing anything but RSA-3072 with e=3.
     *
     * @param source where the key came from (file name, token alias), for messages
     */
    public static SigningKey of(PrivateKey privateKey, java.security.PublicKey publicKey, String source) {
        return new SigningKey(privateKey, VerifyingKey.of(publicKey, source), source, null);
    }

    /**
     * A key held by a specific provider (a PKCS#11 token configured at run time and never registered
     * globally): signing must go through that provider.
     */
    public static SigningKey inProvider(PrivateKey privateKey, java.security.PublicKey publicKey, String source,
                                        Provider provider) {
        return new SigningKey(privateKey, VerifyingKey.of(publicKey, source), source, provider);
    }

    /** For an in-memory RSA key, whose public half follows from the CRT parameters. */
    public static SigningKey of(RSAPrivateCrtKey key, String source) {
        return of(key, VerifyingKey.rsaPublicKey(key.getModulus(), key.getPublicExponent()), source);
    }

    public VerifyingKey publicKey() {
        return publicKey;
    }

    public Hash256 mrsigner() {
        return publicKey.mrsigner();
    }

    public String source() {
        return source;
    }

    /**
     * Signs a fixed test message and verifies it with the public half this key was paired with: for a
     * token key, the public half comes from a certificate object, which may hold another key. Returns
     * what is wrong, in words, or empty when the pair holds.
     */
    public java.util.Optional<String> pairProblem() {
        byte[] message = "enclaveos-signer key pair check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] signature;
        try {
            Signature s = newSignature();
            s.initSign(privateKey);
            s.update(message);
            signature = s.sign();
        } catch (GeneralSecurityException | RuntimeException e) {
            return java.util.Optional.of("the private key cannot sign (SHA256withRSA): " + e.getMessage());
        }
        try {
            Signature v = Signature.getInstance("SHA256withRSA");
            v.initVerify(publicKey.rsa());
            v.update(message);
            if (!v.verify(signature)) {
                return java.util.Optional.of("a test signature by the private key does not verify with the certificate's "
                        + "public key (MRSIGNER " + publicKey.mrsigner() + "): the certificate is of another key");
            }
        } catch (GeneralSecurityException e) {
            return java.util.Optional.of("the certificate's public key cannot verify: " + e.getMessage());
        }
        return java.util.Optional.empty();
    }

    /** The JCA handle, for {@link SigstructSigner} and for writing a generated key out. */
    PrivateKey privateKey() {
        return privateKey;
    }

    /** A SHA256withRSA signer for this key, from its own provider when it has one. */
    Signature newSignature() throws GeneralSecurityException {
        return provider == null ? Signature.getInstance("SHA256withRSA") : Signature.getInstance("SHA256withRSA", provider);
    }

    @Override
    public String toString() {
        return "SigningKey[" + source + ", mrsigner=" + mrsigner() + ", private part redacted]";
    }
}
