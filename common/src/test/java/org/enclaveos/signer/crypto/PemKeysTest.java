package org.enclaveos.signer.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every PEM form a key ceremony meets, made by openssl, plus the keys SGX must refuse. */
class PemKeysTest {
    @TempDir
    static Path dir;
    static Path pkcs8;
    static SigningKey reference;

    @BeforeAll
    static void makeKey() {
        Tools.require("openssl");
        pkcs8 = OpenSslKeys.rsa(dir, "key.pkcs8.pem", 3072, 3);
        reference = PemKeys.loadSigningKey(pkcs8, PassphraseSource.NONE);
    }

    @Test
    void loadsPkcs8AndPkcs1() {
        Path pkcs1 = OpenSslKeys.convert(pkcs8, dir, "key.pkcs1.pem", "rsa", "-traditional");
        assertTrue(content(pkcs1).startsWith("-----BEGIN RSA PRIVATE KEY-----"));
        assertEquals(reference.mrsigner(), PemKeys.loadSigningKey(pkcs1, PassphraseSource.NONE).mrsigner());
    }

    @Test
    void loadsEncryptedPkcs8WithItsPassphrase() {
        Path enc = OpenSslKeys.convert(pkcs8, dir, "key.enc8.pem", "pkcs8", "-topk8", "-v2", "aes-256-cbc",
                "-passout", "pass:" + OpenSslKeys.PASSPHRASE);
        assertTrue(content(enc).startsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        SigningKey key = PemKeys.loadSigningKey(enc, what -> OpenSslKeys.PASSPHRASE.toCharArray());
        assertEquals(reference.mrsigner(), key.mrsigner());
    }

    @Test
    void loadsLegacyEncryptedPkcs1() {
        Path enc = OpenSslKeys.convert(pkcs8, dir, "key.enc1.pem", "rsa", "-traditional", "-aes256",
                "-passout", "pass:" + OpenSslKeys.PASSPHRASE);
        assertEquals(reference.mrsigner(),
                PemKeys.loadSigningKey(enc, what -> OpenSslKeys.PASSPHRASE.toCharArray()).mrsigner());
        SignerException e = assertThrows(SignerException.class,
                () -> PemKeys.loadSigningKey(enc, what -> "nope".toCharArray()));
        assertEquals(ErrorKind.KEY, e.kind());
    }

    @Test
    void wrongOrMissingPassphraseIsAKeyError() {
        Path enc = OpenSslKeys.convert(pkcs8, dir, "key.enc8b.pem", "pkcs8", "-topk8", "-v2", "aes-256-cbc",
                "-passout", "pass:" + OpenSslKeys.PASSPHRASE);
        SignerException wrong = assertThrows(SignerException.class,
                () -> PemKeys.loadSigningKey(enc, what -> "wrong".toCharArray()));
        assertEquals(ErrorKind.KEY, wrong.kind());
        assertEquals(enc + ": wrong passphrase (the key cannot be decrypted)", wrong.getMessage());
        SignerException none = assertThrows(SignerException.class, () -> PemKeys.loadSigningKey(enc, PassphraseSource.NONE));
        assertTrue(none.getMessage().contains("key is encrypted"), none.getMessage());
    }

    @Test
    void refusesKeysSgxCannotUse() {
        Path small = OpenSslKeys.rsa(dir, "rsa2048.pem", 2048, 3);
        SignerException e1 = assertThrows(SignerException.class, () -> PemKeys.loadSigningKey(small, PassphraseSource.NONE));
        assertEquals(ErrorKind.KEY, e1.kind());
        assertEquals(small + ": key is RSA-2048 with exponent 3; SGX needs RSA-3072 with exponent 3", e1.getMessage());

        Path f4 = OpenSslKeys.rsa(dir, "rsa3072-f4.pem", 3072, 65537);
        SignerException e2 = assertThrows(SignerException.class, () -> PemKeys.loadSigningKey(f4, PassphraseSource.NONE));
        assertEquals(f4 + ": key is RSA-3072 with exponent 65537; SGX needs RSA-3072 with exponent 3", e2.getMessage());

        Path ec = dir.resolve("ec.pem");
        Tools.ok("openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", ec.toString());
        SignerException e3 = assertThrows(SignerException.class, () -> PemKeys.loadSigningKey(ec, PassphraseSource.NONE));
        assertEquals(ErrorKind.KEY, e3.kind());
        assertTrue(e3.getMessage().contains("SGX needs RSA-3072 with exponent 3"), e3.getMessage());
    }

    @Test
    void loadsPublicKeysAndRefusesToSignWithOne() {
        Path pub = OpenSslKeys.convert(pkcs8, dir, "key.pub.pem", "pkey", "-pubout");
        assertEquals(reference.mrsigner(), PemKeys.loadVerifyingKey(pub).mrsigner());
        Path rsaPub = OpenSslKeys.convert(pkcs8, dir, "key.rsapub.pem", "rsa", "-RSAPublicKey_out");
        assertEquals(reference.mrsigner(), PemKeys.loadVerifyingKey(rsaPub).mrsigner());
        SignerException e = assertThrows(SignerException.class, () -> PemKeys.loadSigningKey(pub, PassphraseSource.NONE));
        assertEquals(ErrorKind.KEY, e.kind());
    }

    @Test
    void notPemAndMissingFilesAreClear() throws IOException {
        Path junk = Files.writeString(dir.resolve("junk.pem"), "hello\n");
        SignerException e = assertThrows(SignerException.class, () -> PemKeys.loadSigningKey(junk, PassphraseSource.NONE));
        assertEquals(ErrorKind.KEY, e.kind());
        assertEquals(junk + ": no PEM block found; expected a PEM key", e.getMessage());
        SignerException missing = assertThrows(SignerException.class,
                () -> PemKeys.loadSigningKey(dir.resolve("absent.pem"), PassphraseSource.NONE));
        assertEquals(ErrorKind.IO, missing.kind());
    }

    @Test
    void generatedKeysAreWrittenPrivateAndNeverOverwritten() throws IOException {
        SigningKey key = PemKeys.generate("test");
        Path out = dir.resolve("generated.pem");
        PemKeys.writePrivateKey(key, out);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
        assertEquals(key.mrsigner(), PemKeys.loadSigningKey(out, PassphraseSource.NONE).mrsigner());
        // openssl reads it as an RSA-3072 key with exponent 3.
        String text = new String(Tools.ok("openssl", "pkey", "-in", out.toString(), "-noout", "-text"));
        assertTrue(text.contains("3072 bit"), text);
        assertTrue(text.contains("publicExponent: 3 (0x3)"), text);
        SignerException e = assertThrows(SignerException.class, () -> PemKeys.writePrivateKey(org.enclaveos.signer.testing.TestKeys.key("other"), out));
        assertEquals(ErrorKind.OUTPUT_EXISTS, e.kind());
        assertEquals(key.mrsigner(), PemKeys.loadSigningKey(out, PassphraseSource.NONE).mrsigner(), "file unchanged");
        assertTrue(key.toString().contains("redacted"));
    }

    private static String content(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
