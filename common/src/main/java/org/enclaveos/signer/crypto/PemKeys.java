package org.enclaveos.signer.crypto;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.Arrays;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMDecryptorProviderBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.util.io.pem.PemWriter;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.io.AtomicFiles;

/**
 * PEM keys through BouncyCastle: private keys as PKCS#1 ("RSA PRIVATE KEY", optionally with OpenSSL's
 * legacy encryption), PKCS#8 ("PRIVATE KEY") or encrypted PKCS#8 ("ENCRYPTED PRIVATE KEY"); public
 * keys as SubjectPublicKeyInfo, PKCS#1 ("RSA PUBLIC KEY") or a certificate. Every key is checked
 * against {@link KeyRules} before it is returned.
 */
public final class PemKeys {
    private static final BouncyCastleProvider BC = new BouncyCastleProvider();
    private static final JcaPEMKeyConverter CONVERTER = new JcaPEMKeyConverter();

    private PemKeys() {
    }

    /** Loads a signing key; the passphrase source is asked only if the key is encrypted. */
    public static SigningKey loadSigningKey(Path file, PassphraseSource passphrases) {
        Object pem = readPem(file);
        String name = file.toString();
        try {
            PrivateKey key;
            if (pem instanceof PEMKeyPair pair) {
                key = CONVERTER.getKeyPair(pair).getPrivate();
            } else if (pem instanceof PrivateKeyInfo info) {
                key = CONVERTER.getPrivateKey(info);
            } else if (pem instanceof PKCS8EncryptedPrivateKeyInfo encrypted) {
                char[] pass = requirePassphrase(passphrases, name);
                try {
                    key = CONVERTER.getPrivateKey(encrypted.decryptPrivateKeyInfo(
                            new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(BC).build(pass)));
                } catch (PKCSException e) {
                    throw wrongPassphrase(name, e);
                } finally {
                    Arrays.fill(pass, '\0');
                }
            } else if (pem instanceof PEMEncryptedKeyPair encrypted) {
                char[] pass = requirePassphrase(passphrases, name);
                try {
                    key = CONVERTER.getKeyPair(encrypted.decryptKeyPair(
                            new JcePEMDecryptorProviderBuilder().setProvider(BC).build(pass))).getPrivate();
                } catch (IOException e) {
                    throw wrongPassphrase(name, e);
                } finally {
                    Arrays.fill(pass, '\0');
                }
            } else if (pem instanceof SubjectPublicKeyInfo || pem instanceof X509CertificateHolder) {
                throw new SignerException(ErrorKind.KEY, name + ": this is a public key; signing needs the private key");
            } else {
                throw new SignerException(ErrorKind.KEY, name + ": not a private key (PEM object "
                        + pem.getClass().getSimpleName() + ")");
            }
            if (!(key instanceof RSAPrivateCrtKey rsa)) {
                throw new SignerException(ErrorKind.KEY, name + ": key is " + key.getAlgorithm()
                        + "; SGX needs RSA-3072 with exponent 3");
            }
            return SigningKey.of(rsa, name);
        } catch (OperatorCreationException | PEMException e) {
            throw new SignerException(ErrorKind.KEY, name + ": cannot read the key: " + e.getMessage(), e);
        }
    }

    /** Loads a public key (SubjectPublicKeyInfo, PKCS#1, certificate, or the public half of a private key). */
    public static VerifyingKey loadVerifyingKey(Path file) {
        Object pem = readPem(file);
        String name = file.toString();
        try {
            PublicKey key;
            if (pem instanceof SubjectPublicKeyInfo info) {
                key = CONVERTER.getPublicKey(info);
            } else if (pem instanceof X509CertificateHolder cert) {
                key = CONVERTER.getPublicKey(cert.getSubjectPublicKeyInfo());
            } else if (pem instanceof PEMKeyPair pair) {
                key = CONVERTER.getPublicKey(pair.getPublicKeyInfo());
            } else if (pem instanceof PrivateKeyInfo || pem instanceof PKCS8EncryptedPrivateKeyInfo
                    || pem instanceof PEMEncryptedKeyPair) {
                throw new SignerException(ErrorKind.KEY, name + ": this is a private key; give the public key "
                        + "(openssl pkey -in KEY -pubout)");
            } else {
                throw new SignerException(ErrorKind.KEY, name + ": not a public key (PEM object "
                        + pem.getClass().getSimpleName() + ")");
            }
            return VerifyingKey.of(key, name);
        } catch (PEMException e) {
            throw new SignerException(ErrorKind.KEY, name + ": cannot read the key: " + e.getMessage(), e);
        }
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

    private static Object readPem(Path file) {
        org.enclaveos.signer.io.SmallFiles.requireRegular(file, "PEM key file");
        Object pem;
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(reader)) {
            pem = parser.readObject();
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
            writer.writeObject(new JcaPKCS8Generator(key.privateKey(), null));
        } catch (IOException e) {
            throw new IllegalStateException("PEM encoding failed", e);
        }
        AtomicFiles.createNew(file, out.toString().getBytes(StandardCharsets.US_ASCII), true);
    }

    /** Writes the public key as SubjectPublicKeyInfo PEM ("PUBLIC KEY"), never over an existing file. */
    public static void writePublicKey(VerifyingKey key, Path file) {
        StringWriter out = new StringWriter();
        try (org.bouncycastle.openssl.jcajce.JcaPEMWriter writer = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(out)) {
            writer.writeObject(key.rsa());
        } catch (IOException e) {
            throw new IllegalStateException("PEM encoding failed", e);
        }
        AtomicFiles.createNew(file, out.toString().getBytes(StandardCharsets.US_ASCII), false);
    }
}
