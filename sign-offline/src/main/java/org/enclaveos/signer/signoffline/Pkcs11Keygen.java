package org.enclaveos.signer.signoffline;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStoreException;
import java.security.ProviderException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.RSAKeyGenParameterSpec;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DERGeneralizedTime;
import org.bouncycastle.asn1.DERNull;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.DERTaggedObject;
import org.bouncycastle.asn1.DERUTF8String;
import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.crypto.KeyRules;
import org.enclaveos.signer.crypto.SigningKey;
import org.enclaveos.signer.io.Hex;

/**
 * SGX signing keys born inside a PKCS#11 token: RSA-3072 with public exponent 3, sensitive, never
 * extractable, able to sign and nothing else. The token's answer is read back and checked, since
 * many HSMs silently use 65537 (or refuse 3 in FIPS mode): a key SGX cannot use is never kept.
 *
 * <p>SunPKCS11 lists a key only beside a certificate with the same CKA_ID, so a self-signed
 * certificate of the new key, signed by the token, is stored with it; nothing reads its subject or
 * validity (docs/hsm.md).
 */
public final class Pkcs11Keygen {
    private static final ASN1ObjectIdentifier SHA256_WITH_RSA = new ASN1ObjectIdentifier("1.2.840.113549.1.1.11");
    private static final ASN1ObjectIdentifier COMMON_NAME = new ASN1ObjectIdentifier("2.5.4.3");
    private static final DateTimeFormatter GENERALIZED_TIME = DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private Pkcs11Keygen() {
    }

    /** A key generated on the token under {@code alias}. */
    public record Generated(String token, String alias, SigningKey key) {
    }

    /** What {@code --check-hsm} found: the token's name and, when it cannot make SGX keys, why. */
    public record Check(String token, Optional<String> problem) {
    }

    /**
     * Generates the key on the token, refusing an alias the token already lists. The token is first
     * asked for a throwaway session key ({@link #check}): a token that will not make an e=3 key is
     * refused with nothing stored, since SunPKCS11 cannot delete a token's public key object.
     */
    public static Generated generate(Path config, String alias, char[] pin, Instant now) {
        return generate(config, alias, pin, now, KeyRules.EXPONENT);
    }

    /**
     * As above, asking the token for {@code exponent}: the tests ask SoftHSM2 for 65537 to stand for a
     * token that answers 65537 whatever it is asked, and see the key refused with nothing kept.
     */
    static Generated generate(Path config, String alias, char[] pin, Instant now, BigInteger exponent) {
        Pkcs11Token token = Pkcs11Token.open(config, template(true, alias), pin);
        try {
            if (token.store().containsAlias(alias)) {
                throw new SignerException(ErrorKind.OUTPUT_EXISTS, config + ": the token already has a key or "
                        + "certificate with alias '" + alias + "'; not overwritten (choose another --key-alias)");
            }
        } catch (KeyStoreException e) {
            throw new SignerException(ErrorKind.KEY, config + ": cannot list the token: " + Pkcs11Token.rootMessage(e), e);
        }
        check(config, pin, exponent).problem().ifPresent(p -> {
            throw new SignerException(ErrorKind.UNSUPPORTED, p);
        });
        KeyPair pair = generatePair(token, exponent);
        Optional<String> problem = problem(pair.getPublic());
        SigningKey key = null;
        if (problem.isEmpty()) {
            key = SigningKey.inProvider(pair.getPrivate(), pair.getPublic(), "pkcs11:" + alias, token.provider());
            problem = key.pairProblem();
        }
        try {
            token.store().setKeyEntry(alias, pair.getPrivate(), null,
                    new Certificate[] {selfSigned(token, pair, alias, now)});
            if (problem.isPresent()) {
                // A token whose session keys passed but whose token key did not: remove what SunPKCS11 can.
                token.store().deleteEntry(alias);
            }
        } catch (GeneralSecurityException | ProviderException e) {
            throw new SignerException(ErrorKind.KEY, config + ": the token made the key but cannot store it under '"
                    + alias + "': " + Pkcs11Token.rootMessage(e), e);
        }
        problem.ifPresent(p -> {
            throw unsupported(config, token, p + "; its private key was deleted, its public key object (label '" + alias
                    + "') was not: pkcs11-tool --delete-object --type pubkey --label " + alias);
        });
        return new Generated(token.name(), alias, key);
    }

    /**
     * Whether the token can make and use an SGX key: generates a throwaway session key (gone when the
     * session closes), checks its modulus and exponent, signs and verifies. Keeps nothing.
     */
    public static Check check(Path config, char[] pin) {
        return check(config, pin, KeyRules.EXPONENT);
    }

    static Check check(Path config, char[] pin, BigInteger exponent) {
        Pkcs11Token token = Pkcs11Token.open(config, template(false, null), pin);
        KeyPair pair;
        try {
            pair = generatePair(token, exponent);
        } catch (SignerException e) {
            return new Check(token.name(), Optional.of(e.getMessage()));
        }
        Optional<String> problem = problem(pair.getPublic());
        if (problem.isEmpty()) {
            problem = SigningKey.inProvider(pair.getPrivate(), pair.getPublic(), "check", token.provider()).pairProblem();
        }
        return new Check(token.name(), problem.map(p -> unsupported(config, token, p).getMessage()));
    }

    /** Why a key the token returned cannot sign enclaves, or empty when it is RSA-3072 with e=3. */
    static Optional<String> problem(PublicKey key) {
        try {
            KeyRules.require(key, "key");
            return Optional.empty();
        } catch (SignerException e) {
            return Optional.of("asked for RSA-3072 with exponent 3, the token returned " + KeyRules.describe(key));
        }
    }

    private static KeyPair generatePair(Pkcs11Token token, BigInteger exponent) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA", token.provider());
            generator.initialize(new RSAKeyGenParameterSpec(KeyRules.MODULUS_BITS, exponent));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException | ProviderException e) {
            throw unsupported(token.config(), token, "it refused to generate RSA-3072 with exponent 3: "
                    + Pkcs11Token.rootMessage(e));
        }
    }

    private static SignerException unsupported(Path config, Pkcs11Token token, String what) {
        return new SignerException(ErrorKind.UNSUPPORTED, config + ": token " + token.name() + " cannot hold an SGX "
                + "signing key: " + what + " (many HSMs force exponent 65537 or refuse 3 in FIPS mode; see docs/hsm.md)");
    }

    /**
     * SunPKCS11's templates for generated RSA pairs. Token keys get the alias as CKA_LABEL and CKA_ID
     * (as SunPKCS11's key store names what it stores), so pkcs11-tool finds both halves by label.
     */
    static String template(boolean onToken, String alias) {
        String named = alias == null ? "" : "  CKA_LABEL = 0h" + Hex.encode(alias.getBytes(StandardCharsets.UTF_8))
                + "\n  CKA_ID = 0h" + Hex.encode(alias.getBytes(StandardCharsets.UTF_8)) + "\n";
        return "attributes(generate, CKO_PRIVATE_KEY, CKK_RSA) = {\n  CKA_TOKEN = " + onToken + "\n  CKA_PRIVATE = true\n"
                + "  CKA_SENSITIVE = true\n  CKA_EXTRACTABLE = false\n  CKA_SIGN = true\n  CKA_DECRYPT = false\n"
                + "  CKA_UNWRAP = false\n" + named + "}\n"
                + "attributes(generate, CKO_PUBLIC_KEY, CKK_RSA) = {\n  CKA_TOKEN = " + onToken + "\n  CKA_VERIFY = true\n"
                + "  CKA_ENCRYPT = false\n  CKA_WRAP = false\n" + named + "}\n";
    }

    /**
     * A v3 certificate of the pair, issued by itself and signed on the token. Its only use is to carry
     * the public key under the alias; validity runs from generation to 99991231235959Z, RFC 5280's
     * "no well-defined expiration".
     */
    private static Certificate selfSigned(Pkcs11Token token, KeyPair pair, String alias, Instant now)
            throws GeneralSecurityException {
        try {
            DERSequence algorithm = new DERSequence(new ASN1Encodable[] {SHA256_WITH_RSA, DERNull.INSTANCE});
            DERSequence name = new DERSequence(new DERSet(
                    new DERSequence(new ASN1Encodable[] {COMMON_NAME, new DERUTF8String(alias)})));
            DERSequence validity = new DERSequence(new ASN1Encodable[] {
                new DERGeneralizedTime(GENERALIZED_TIME.format(now)), new DERGeneralizedTime("99991231235959Z")});
            byte[] modulus = ((java.security.interfaces.RSAPublicKey) pair.getPublic()).getModulus().toByteArray();
            BigInteger serial = new BigInteger(1, java.util.Arrays.copyOfRange(
                    java.security.MessageDigest.getInstance("SHA-256").digest(modulus), 0, 16));
            DERSequence tbs = new DERSequence(new ASN1Encodable[] {
                new DERTaggedObject(true, 0, new ASN1Integer(2)), new ASN1Integer(serial), algorithm, name, validity, name,
                ASN1Primitive.fromByteArray(pair.getPublic().getEncoded())});
            Signature signer = Signature.getInstance("SHA256withRSA", token.provider());
            signer.initSign(pair.getPrivate());
            signer.update(tbs.getEncoded(ASN1Encoding.DER));
            byte[] der = new DERSequence(new ASN1Encodable[] {tbs, algorithm, new DERBitString(signer.sign())})
                    .getEncoded(ASN1Encoding.DER);
            Certificate certificate = CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
            certificate.verify(pair.getPublic());
            return certificate;
        } catch (IOException e) {
            throw new GeneralSecurityException("cannot encode the certificate: " + e.getMessage(), e);
        }
    }
}
