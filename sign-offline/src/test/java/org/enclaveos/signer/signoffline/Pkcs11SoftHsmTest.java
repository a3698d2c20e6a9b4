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

    /** Issue 14: a key born in the token, never extractable, exponent 3 as the token itself reports it, used by a ceremony. */
    @Test
    void keygenMakesAKeyInsideTheTokenThatACeremonySignsWith() throws IOException {
        Path pub = dir.resolve("born.pub.pem");
        CliRun made = CliRun.run(new TokenKeygenCommand(), "--pkcs11-config", config.toString(), "--key-alias", "born",
                "--pin-file", pinFile.toString(), "--public-out", pub.toString(), "--json");
        assertEquals(0, made.exitCode(), made::toString);
        String mrsigner = org.enclaveos.signer.format.SigstructJson.readTree(made.out()).get("mrsigner").asText();
        assertEquals(PemKeys.loadVerifyingKey(pub).mrsigner().hex(), mrsigner);

        // What the token says, read by OpenSC's tool rather than through SunPKCS11.
        String objects = new String(Tools.ok("pkcs11-tool", "--module", MODULE, "--token-label", "ceremony", "--login",
                "--pin", PIN, "--list-objects", "--type", "privkey", "--label", "born"), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(objects.contains("sensitive, always sensitive, never extractable, local"), objects);
        assertTrue(objects.contains("Usage:      sign\n"), "sign only: " + objects);
        Path der = dir.resolve("born.pub.der");
        Tools.ok("pkcs11-tool", "--module", MODULE, "--token-label", "ceremony", "--login", "--pin", PIN, "--read-object",
                "--type", "pubkey", "--label", "born", "-o", der.toString());
        String text = new String(Tools.ok("openssl", "rsa", "-pubin", "-inform", "DER", "-in", der.toString(), "-noout",
                "-text"), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(text.contains("Public-Key: (3072 bit)") && text.contains("Exponent: 3 (0x3)"), text);

        Path req = Requests.write(dir.resolve("req"), 1, null);
        Path out = dir.resolve("signed");
        CliRun r = CliRun.run(new SignOfflineCommand(), req.toString(), "--pkcs11-config", config.toString(), "--key-alias",
                "born", "--pin-file", pinFile.toString(), "--out", out.toString(), "--yes");
        assertEquals(0, r.exitCode(), r::toString);
        Sigstruct signed = Sigstruct.read(out.resolve("app0.sgx1.sigstruct"));
        assertTrue(SigstructVerifier.verify(signed).valid());
        assertEquals(mrsigner, signed.mrsigner().hex());

        // The alias is taken now: refused, and the token keeps exactly what it had.
        byte[] before = listObjects();
        CliRun again = CliRun.run(new TokenKeygenCommand(), "--pkcs11-config", config.toString(), "--key-alias", "born",
                "--pin-file", pinFile.toString());
        assertEquals(6, again.exitCode(), again::toString);
        assertEquals("enclaveos-signer: " + config + ": the token already has a key or certificate with alias 'born'; not "
                + "overwritten (choose another --key-alias)", again.lastErrLine());
        assertEquals(new String(before), new String(listObjects()));
    }

    @Test
    void checkHsmUsesAThrowawayKeyAndKeepsNothing() {
        byte[] before = listObjects();
        CliRun r = CliRun.run(new TokenKeygenCommand(), "--pkcs11-config", config.toString(), "--check-hsm", "--pin-file",
                pinFile.toString());
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().startsWith("token SunPKCS11-SoftHSM (" + config + ") can generate and sign with RSA-3072 keys "
                + "with exponent 3"), r.out());
        assertEquals(new String(before), new String(listObjects()), "no object left on the token");
    }

    @Test
    void keygenOptionsThatDoNotGoTogetherAreUsageErrors() {
        String[][] wrong = {
            {"--pkcs11-config", config.toString(), "--pin-file", pinFile.toString()},
            {"--pkcs11-config", config.toString(), "--key-alias", "x", "--check-hsm", "--pin-file", pinFile.toString()},
            {"--pkcs11-config", config.toString(), "--key-alias", "x", "--out", dir.resolve("k.pem").toString()},
            {"--pkcs11-config", config.toString(), "--check-hsm", "--public-out", dir.resolve("p.pem").toString()},
            {"--key-alias", "x", "--out", dir.resolve("k.pem").toString()},
            {},
        };
        for (String[] args : wrong) {
            CliRun r = CliRun.run(new TokenKeygenCommand(), args);
            assertEquals(2, r.exitCode(), () -> String.join(" ", args) + ": " + r);
        }
        assertTrue(Files.notExists(dir.resolve("k.pem")));
    }

    /** The check that keeps a token's wrong answer from becoming an SGX key: exponent and size, each alone. */
    @Test
    void aKeyOtherThanRsa3072WithExponent3IsNamedAsTheTokensAnswer() throws Exception {
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
        g.initialize(new java.security.spec.RSAKeyGenParameterSpec(3072, java.security.spec.RSAKeyGenParameterSpec.F4));
        assertEquals("asked for RSA-3072 with exponent 3, the token returned RSA-3072 with exponent 65537",
                Pkcs11Keygen.problem(g.generateKeyPair().getPublic()).orElseThrow());
        g.initialize(new java.security.spec.RSAKeyGenParameterSpec(2048, java.security.spec.RSAKeyGenParameterSpec.F0));
        assertEquals("asked for RSA-3072 with exponent 3, the token returned RSA-2048 with exponent 3",
                Pkcs11Keygen.problem(g.generateKeyPair().getPublic()).orElseThrow());
        assertTrue(Pkcs11Keygen.problem(key.publicKey().rsa()).isEmpty());
    }

    /** A token that answers 65537: the key is refused with the token's answer named, and removed from the token. */
    @Test
    void aKeyTheTokenMadeWithAnotherExponentIsRefusedAndRemoved() {
        byte[] before = listObjects();
        org.enclaveos.signer.SignerException e = org.junit.jupiter.api.Assertions.assertThrows(
                org.enclaveos.signer.SignerException.class, () -> Pkcs11Keygen.generate(config, "f4", PIN.toCharArray(),
                        java.time.Instant.now(), java.security.spec.RSAKeyGenParameterSpec.F4));
        assertEquals(org.enclaveos.signer.ErrorKind.UNSUPPORTED, e.kind());
        assertEquals(config + ": token SunPKCS11-SoftHSM cannot hold an SGX signing key: asked for RSA-3072 with exponent 3, "
                + "the token returned RSA-3072 with exponent 65537 (many HSMs force exponent 65537 or refuse 3 in FIPS mode; "
                + "see docs/hsm.md)", e.getMessage());
        assertEquals(new String(before), new String(listObjects()), "the refused key is not left on the token");
    }

    private static byte[] listObjects() {
        return Tools.ok("pkcs11-tool", "--module", MODULE, "--token-label", "ceremony", "--login", "--pin", PIN,
                "--list-objects");
    }
}
