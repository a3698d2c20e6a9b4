package org.enclaveos.signer.crypto;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.security.spec.RSAPrivateCrtKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;

import org.bouncycastle.asn1.pkcs.RSAPrivateKey;
import org.bouncycastle.asn1.pkcs.RSAPublicKey;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.bc.BcPEMDecryptorProvider;
import org.bouncycastle.util.encoders.Hex;
import org.bouncycastle.util.io.pem.PemHeader;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.io.AtomicFiles;

/**
 * PEM keys: BouncyCastle's PEM reader and its lightweight ASN.1 and cipher classes, the JDK's RSA key
 * factory and PBES2 (no BouncyCastle provider, so the air-gapped jar need not carry one). Private keys as PKCS#1 ("RSA PRIVATE KEY", optionally with OpenSSL's
 * legacy encryption), PKCS#8 ("PRIVATE KEY") or encrypted PKCS#8 ("ENCRYPTED PRIVATE KEY"); public
 * keys as SubjectPublicKeyInfo, PKCS#1 ("RSA PUBLIC KEY") or a certificate. Every key is checked
 * against {@link KeyRules} before it is returned.
 */
public final class PemKeys {

    private PemKeys() {
    }

    /** Loads a signing key; the passphrase source is asked only if the key is encrypted. */
    public static SigningKey loadSigningKey(Path file, PassphraseSource passphrases) {
        PemObject pem = readPem(file);
        String name = file.toString();
        PrivateKey key = switch (pem.getType()) {
            case "PRIVATE KEY" -> rsa(name, "RSA", () -> KEYS.generatePrivate(new PKCS8EncodedKeySpec(pem.getContent())));
            case "RSA PRIVATE KEY" -> pkcs1Private(name, pem, passphrases);
            case "ENCRYPTED PRIVATE KEY" -> {
                char[] pass = requirePassphrase(passphrases, name);
                try {
                    yield decryptPkcs8(pem.getContent(), pass, name);
                } finally {
                    Arrays.fill(pass, '\0');
                }
            }
            case "PUBLIC KEY", "RSA PUBLIC KEY", "CERTIFICATE" ->
                    throw new SignerException(ErrorKind.KEY, name + ": this is a public key; signing needs the private key");
            default -> throw new SignerException(ErrorKind.KEY, name + ": not a private key (PEM block "
                    + pem.getType() + ")");
        };
        if (!(key instanceof RSAPrivateCrtKey rsa)) {
            throw new SignerException(ErrorKind.KEY, name + ": key is " + key.getAlgorithm()
                    + "; SGX needs RSA-3072 with exponent 3");
        }
        return SigningKey.of(rsa, name);
    }

    private static final KeyFactory KEYS;

    static {
        try {
            KEYS = KeyFactory.getInstance("RSA");
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no RSA key factory", e);
        }
    }

    private interface KeyMaker<T> {
        T make() throws java.security.GeneralSecurityException, IOException;
    }

    /** A key from its encoding; a key of another algorithm, or a broken encoding, is named as such. */
    private static <T> T rsa(String name, String what, KeyMaker<T> maker) {
        try {
            return maker.make();
        } catch (java.security.GeneralSecurityException | IOException | IllegalArgumentException e) {
            throw new SignerException(ErrorKind.KEY, name + ": not a readable " + what + " key (SGX needs RSA-3072 "
                    + "with exponent 3): " + e.getMessage(), e);
        }
    }

    /** PKCS#1 "RSA PRIVATE KEY", in the clear or under OpenSSL's legacy PEM encryption (Proc-Type 4,ENCRYPTED). */
    private static PrivateKey pkcs1Private(String name, PemObject pem, PassphraseSource passphrases) {
        byte[] der = pem.getContent();
        String procType = header(pem, "Proc-Type");
        if (procType != null && procType.endsWith("ENCRYPTED")) {
            String dekInfo = header(pem, "DEK-Info");
            int comma = dekInfo == null ? -1 : dekInfo.indexOf(',');
            if (comma < 0) {
                throw new SignerException(ErrorKind.KEY, name + ": encrypted PEM key without a DEK-Info header");
            }
            char[] pass = requirePassphrase(passphrases, name);
            try {
                der = new BcPEMDecryptorProvider(pass).get(dekInfo.substring(0, comma).trim())
                        .decrypt(der, Hex.decode(dekInfo.substring(comma + 1).trim()));
                RSAPrivateKey.getInstance(der);
            } catch (PEMException | RuntimeException e) {
                throw wrongPassphrase(name, e);
            } finally {
                Arrays.fill(pass, '\0');
            }
        }
        byte[] plain = der;
        return rsa(name, "PKCS#1 RSA", () -> {
            RSAPrivateKey k = RSAPrivateKey.getInstance(plain);
            return KEYS.generatePrivate(new RSAPrivateCrtKeySpec(k.getModulus(), k.getPublicExponent(),
                    k.getPrivateExponent(), k.getPrime1(), k.getPrime2(), k.getExponent1(), k.getExponent2(),
                    k.getCoefficient()));
        });
    }

    private static String header(PemObject pem, String name) {
        for (Object h : pem.getHeaders()) {
            if (h instanceof PemHeader header && header.getName().equalsIgnoreCase(name)) {
                return header.getValue();
            }
        }
        return null;
    }

    /**
     * Encrypted PKCS#8 through the JDK (PBES2 with PBKDF2 and AES, OpenSSL's default, and the PKCS#12
     * PBE schemes the JDK has): the air-gapped jar then needs no BouncyCastle provider at all.
     */
    private static PrivateKey decryptPkcs8(byte[] encrypted, char[] pass, String name) {
        javax.crypto.EncryptedPrivateKeyInfo info;
        String algorithm;
        try {
            info = new javax.crypto.EncryptedPrivateKeyInfo(encrypted);
            algorithm = info.getAlgName();
            if (algorithm.equals("PBES2") || algorithm.equals("1.2.840.113549.1.5.13")) {
                // JDK 17 names PBES2 only through its parameters: PBEWithHmacSHA256AndAES_256 and the like.
                algorithm = info.getAlgParameters().toString();
            }
        } catch (IOException e) {
            throw new SignerException(ErrorKind.KEY, name + ": cannot read the encrypted key: " + e.getMessage(), e);
        }
        javax.crypto.Cipher cipher;
        javax.crypto.SecretKey secret;
        javax.crypto.spec.PBEKeySpec spec = new javax.crypto.spec.PBEKeySpec(pass);
        try {
            secret = javax.crypto.SecretKeyFactory.getInstance(algorithm).generateSecret(spec);
            cipher = javax.crypto.Cipher.getInstance(algorithm);
        } catch (java.security.GeneralSecurityException e) {
            throw new SignerException(ErrorKind.KEY, name + ": the key is encrypted with " + algorithm + ", which this "
                    + "tool cannot decrypt; re-encrypt it: openssl pkcs8 -topk8 -v2 aes-256-cbc", e);
        } finally {
            spec.clearPassword();
        }
        try {
            cipher.init(javax.crypto.Cipher.DECRYPT_MODE, secret, info.getAlgParameters());
            return KEYS.generatePrivate(info.getKeySpec(cipher));
        } catch (java.security.GeneralSecurityException e) {
            throw wrongPassphrase(name, e);
        }
    }

    /** Loads a public key (SubjectPublicKeyInfo, PKCS#1, certificate, or the public half of a private key). */
    public static VerifyingKey loadVerifyingKey(Path file) {
        PemObject pem = readPem(file);
        String name = file.toString();
        PublicKey key = switch (pem.getType()) {
            case "PUBLIC KEY" -> rsa(name, "RSA public", () -> KEYS.generatePublic(new X509EncodedKeySpec(pem.getContent())));
            case "RSA PUBLIC KEY" -> rsa(name, "PKCS#1 RSA public", () -> {
                RSAPublicKey k = RSAPublicKey.getInstance(pem.getContent());
                return KEYS.generatePublic(new RSAPublicKeySpec(k.getModulus(), k.getPublicExponent()));
            });
            case "CERTIFICATE" -> rsa(name, "certificate's", () -> java.security.cert.CertificateFactory.getInstance("X.509")
                    .generateCertificate(new java.io.ByteArrayInputStream(pem.getContent())).getPublicKey());
            case "RSA PRIVATE KEY" -> {
                String procType = header(pem, "Proc-Type");
                if (procType != null && procType.endsWith("ENCRYPTED")) {
                    throw new SignerException(ErrorKind.KEY, name + ": this is a private key; give the public key "
                            + "(openssl pkey -in KEY -pubout)");
                }
                // The public half of an unencrypted PKCS#1 key, as before.
                yield rsa(name, "PKCS#1 RSA", () -> {
                    RSAPrivateKey k = RSAPrivateKey.getInstance(pem.getContent());
                    return KEYS.generatePublic(new RSAPublicKeySpec(k.getModulus(), k.getPublicExponent()));
                });
            }
            case "PRIVATE KEY", "ENCRYPTED PRIVATE KEY" -> throw new SignerException(ErrorKind.KEY, name
                    + ": this is a private key; give the public key (openssl pkey -in KEY -pubout)");
            default -> throw new SignerException(ErrorKind.KEY, name + ": not a public key (PEM block " + pem.getType() + ")");
        };
        return VerifyingKey.of(key, name);
    }

    /**
     * A warning when a private key file can be read by other users of the machine (group or other
     * read bit): an unencrypted key there is as good as theirs. Empty where the file system has no
     * POSIX permissions.
     */
    public static java.util.Optional<String> exposure(Path file) {
        try {
            java.util.Set<java.nio.file.attribute.PosixFilePermission> mode = Files.getPosixFilePermissions(file);
            if (mode.contains(java.nio.file.attribute.PosixFilePermission.GROUP_READ)
                    || mode.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ)) {
                return java.util.Optional.of(file + ": the unencrypted private key is readable by "
                        + (mode.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ) ? "every user" : "its group")
                        + " (mode " + java.nio.file.attribute.PosixFilePermissions.toString(mode)
                        + "); chmod 600 it, or encrypt it (openssl pkcs8 -topk8 -v2 aes-256-cbc)");
            }
            return java.util.Optional.empty();
        } catch (UnsupportedOperationException | IOException e) {
            return java.util.Optional.empty();
        }
    }

    private static PemObject readPem(Path file) {
        org.enclaveos.signer.io.SmallFiles.requireRegular(file, "PEM key file");
        PemObject pem;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
             PemReader parser = new PemReader(reader)) {
            pem = parser.readPemObject();
        } catch (NoSuchFileException e) {
            throw new SignerException(ErrorKind.IO, file + ": no such file");
        } catch (IOException | RuntimeException e) {
            throw new SignerException(ErrorKind.KEY, file + ": not a readable PEM key: " + e.getMessage(), e);
        }
        if (pem == null) {
            throw new SignerException(ErrorKind.KEY, file + ": no PEM block found; expected a PEM key");
        }
        return pem;
    }

    private static char[] requirePassphrase(PassphraseSource passphrases, String name) {
        char[] pass = passphrases.passphrase(name);
        if (pass == null) {
            throw new SignerException(ErrorKind.KEY, name + ": key is encrypted; give its passphrase "
                    + "(prompt, --passphrase-file or --passphrase-env)");
        }
        return pass;
    }

    private static SignerException wrongPassphrase(String name, Exception e) {
        return new SignerException(ErrorKind.KEY, name + ": wrong passphrase (the key cannot be decrypted)", e);
    }

    /** A fresh RSA-3072 key with exponent 3, from the JDK's generator and SecureRandom. */
    public static SigningKey generate(String name) {
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("RSA");
            gen.initialize(new RSAKeyGenParameterSpec(KeyRules.MODULUS_BITS, KeyRules.EXPONENT));
            KeyPair pair = gen.generateKeyPair();
            return SigningKey.of((RSAPrivateCrtKey) pair.getPrivate(), name);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot generate RSA-3072 keys", e);
        }
    }

    /**
     * Writes an in-memory key as unencrypted PKCS#8 PEM, mode 0600, never over an existing file.
     * For debug keys: production keys belong in an HSM or at least under a passphrase.
     */
    public static void writePrivateKey(SigningKey key, Path file) {
        if (!(key.privateKey() instanceof RSAPrivateCrtKey)) {
            throw new SignerException(ErrorKind.KEY, key.source() + ": key is not exportable");
        }
        StringWriter out = new StringWriter();
        try (PemWriter writer = new PemWriter(out)) {
            writer.writeObject(new PemObject("PRIVATE KEY", key.privateKey().getEncoded()));
        } catch (IOException e) {
            throw new IllegalStateException("PEM encoding failed", e);
        }
        AtomicFiles.createNew(file, out.toString().getBytes(StandardCharsets.US_ASCII), true);
    }

    /** Writes the public key as SubjectPublicKeyInfo PEM ("PUBLIC KEY"), never over an existing file. */
    public static void writePublicKey(VerifyingKey key, Path file) {
        StringWriter out = new StringWriter();
        try (PemWriter writer = new PemWriter(out)) {
            writer.writeObject(new PemObject("PUBLIC KEY", key.rsa().getEncoded()));
        } catch (IOException e) {
            throw new IllegalStateException("PEM encoding failed", e);
        }
        AtomicFiles.createNew(file, out.toString().getBytes(StandardCharsets.US_ASCII), false);
    }
}
