package org.enclaveos.signer.signoffline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import org.enclaveos.signer.crypto.PassphraseSource;
import org.enclaveos.signer.crypto.PemKeys;
import org.enclaveos.signer.crypto.SigningKey;
import org.enclaveos.signer.crypto.SigstructVerifier;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.cli.CliRun;
import org.enclaveos.signer.testing.Tools;
import org.enclaveos.signer.testing.Requests;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real SoftHSM2 token, made in the build directory (SOFTHSM2_CONF is set for this JVM by the
 * build), holding an imported RSA-3072 e=3 key and the certificate SunPKCS11 needs to list it.
 */
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class Pkcs11SoftHsmTest {
    static final String MODULE = "/usr/lib/softhsm/libsofthsm2.so";
    static final String PIN = "246810";
    static Path config;
    static Path pinFile;
    static Path keyFile;
    static SigningKey key;

    @TempDir
    static Path work;

    @TempDir
    Path dir;

    @BeforeAll
    static void token() throws IOException {
        Tools.require("softhsm2-util");
        Tools.require("pkcs11-tool");
        Tools.require("openssl");
        Path conf = Path.of(System.getenv().getOrDefault("SOFTHSM2_CONF", ""));
        assertTrue(conf.isAbsolute(), "the build sets SOFTHSM2_CONF for the test JVM");
        Path tokens = conf.getParent().resolve("tokens");
        if (Files.exists(tokens)) {
            try (Stream<Path> s = Files.walk(tokens)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        Files.createDirectories(tokens);
        Files.writeString(conf, "directories.tokendir = " + tokens + "\nobjectstore.backend = file\nlog.level = ERROR\n");

        keyFile = work.resolve("hsm-key.pem");
        key = PemKeys.generate("hsm");
        PemKeys.writePrivateKey(key, keyFile);
        Path cert = work.resolve("hsm-cert.der");
        Tools.ok("openssl", "req", "-new", "-x509", "-key", keyFile.toString(), "-subj", "/CN=sgx-signer", "-days", "2",
                "-outform", "DER", "-out", cert.toString());

        Tools.ok("softhsm2-util", "--init-token", "--free", "--label", "ceremony", "--so-pin", "13579", "--pin", PIN);
        Tools.ok("softhsm2-util", "--import", keyFile.toString(), "--token", "ceremony", "--label", "sgx-prod", "--id", "01",
                "--pin", PIN);
        Tools.ok("pkcs11-tool", "--module", MODULE, "--token-label", "ceremony", "--login", "--pin", PIN, "--write-object",
                cert.toString(), "--type", "cert", "--id", "01", "--label", "sgx-prod");
        // A second key whose certificate object is the first key's: the token lists it, MRSIGNER would be wrong.
        Path otherKey = work.resolve("other-key.pem");
        PemKeys.writePrivateKey(PemKeys.generate("other"), otherKey);
        Tools.ok("softhsm2-util", "--import", otherKey.toString(), "--token", "ceremony", "--label", "mismatched", "--id",
                "02", "--pin", PIN);
        Tools.ok("pkcs11-tool", "--module", MODULE, "--token-label", "ceremony", "--login", "--pin", PIN, "--write-object",
                cert.toString(), "--type", "cert", "--id", "02", "--label", "mismatched");
        config = Files.writeString(work.resolve("hsm.cfg"), "name = SoftHSM\nlibrary = " + MODULE + "\nslotListIndex = 0\n");
        pinFile = Files.writeString(work.resolve("pin.txt"), PIN + "\n");
    }

    @Test
    void signsWithTheTokenKeyAndMatchesThePemSignatureByteForByte() throws IOException {
        Path req = Requests.write(dir.resolve("req"), 2, key.mrsigner());
        Path out = dir.resolve("hsm-signed");
        CliRun r = CliRun.run(new SignOfflineCommand(), req.toString(), "--pkcs11-config", config.toString(), "--key-alias",
                "sgx-prod", "--pin-file", pinFile.toString(), "--out", out.toString(), "--yes", "--production");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.err().contains("MRSIGNER " + key.mrsigner()), r.err());
        Path pemOut = dir.resolve("pem-signed");
        CliRun pem = CliRun.run(new SignOfflineCommand(), req.toString(), "--key", keyFile.toString(), "--out",
                pemOut.toString(), "--yes");
        assertEquals(0, pem.exitCode(), pem::toString);
        for (int i = 0; i < 2; i++) {
            Sigstruct hsm = Sigstruct.read(out.resolve("app" + i + ".sgx1.sigstruct"));
            assertTrue(SigstructVerifier.verify(hsm).valid());
            assertEquals(Sigstruct.read(pemOut.resolve("app" + i + ".sgx1.sigstruct")), hsm,
                    "PKCS#1 v1.5 is deterministic: the token and the PEM key give the same bytes");
        }
        assertEquals(key.mrsigner(), PemKeys.loadSigningKey(keyFile, PassphraseSource.NONE).mrsigner());
    }

    // First: a PKCS#11 login lasts for the whole JVM, so after another test's login a wrong PIN is not asked for.
    @Test
    @org.junit.jupiter.api.Order(1)
    void wrongPinAndMissingAliasAreClearKeyErrors() throws IOException {
        Path req = Requests.write(dir.resolve("req"), 1, null);
        Path wrongPin = Files.writeString(dir.resolve("wrong-pin.txt"), "000000\n");
        CliRun pin = CliRun.run(new SignOfflineCommand(), req.toString(), "--pkcs11-config", config.toString(),
                "--key-alias", "sgx-prod", "--pin-file", wrongPin.toString(), "--out", dir.resolve("o").toString(), "--yes");
        assertEquals(5, pin.exitCode(), pin::toString);
        assertEquals("enclaveos-signer: " + config + ": the token refused the PIN", pin.lastErrLine());

        CliRun alias = CliRun.run(new SignOfflineCommand(), req.toString(), "--pkcs11-config", config.toString(),
                "--key-alias", "nope", "--pin-file", pinFile.toString(), "--out", dir.resolve("o").toString(), "--yes");
        assertEquals(5, alias.exitCode(), alias::toString);
        assertTrue(alias.lastErrLine().contains("no key with alias 'nope' on the token (keys: 'mismatched', 'sgx-prod';"), alias.err());
        assertTrue(Files.notExists(dir.resolve("o")), "nothing written");
    }

    /** Issue 13, item 3: a certificate of another key is found before the review, naming the object that is wrong. */
    @Test
    void aCertificateOfAnotherKeyIsRefusedBeforeTheReview() throws IOException {
        Path req = Requests.write(dir.resolve("req"), 1, null);
        CliRun r = CliRun.run(new SignOfflineCommand(), req.toString(), "--pkcs11-config", config.toString(), "--key-alias",
                "mismatched", "--pin-file", pinFile.toString(), "--out", dir.resolve("o").toString(), "--yes");
        assertEquals(5, r.exitCode(), r::toString);
        assertEquals("enclaveos-signer: " + config + ": alias 'mismatched': a test signature by the private key does not "
                + "verify with the certificate's public key (MRSIGNER " + key.mrsigner() + "): the certificate is of another "
                + "key; put this key's own certificate on the token (docs/hsm.md)", r.lastErrLine());
        assertFalse(r.err().contains("Review:"), "refused before the review");
        assertTrue(Files.notExists(dir.resolve("o")), "nothing written");
    }
}
