package org.enclaveos.signer.signoffline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SSHSIG reader and the approval count, in-process, over signatures the real {@code ssh-keygen}
 * made once for the class (fast enough for mutation testing): every check has a case that fails
 * without it.
 */
class SshSignatureTest {
    static final String DIGEST = "ab".repeat(32);
    static final Instant NOW = Instant.parse("2026-11-30T00:00:00Z");

    @TempDir
    Path dir;
    /**
     * Key type to its armored signature over DIGEST + "\n" in namespace enclaveos-ceremony, its .pub
     * line and its fingerprint as ssh-keygen -l prints it: made once per JVM (PIT runs this class for
     * every mutant; running ssh-keygen each time would be most of the mutation run).
     */
    static final Map<String, String> SIGNATURES = new LinkedHashMap<>();
    static final Map<String, String> PUBLIC = new LinkedHashMap<>();
    static final Map<String, String> FINGERPRINTS = new LinkedHashMap<>();
    static String gitSignature;

    @BeforeAll
    static synchronized void sign() throws Exception {
        Tools.require("ssh-keygen");
        if (gitSignature != null) {
            return;
        }
        Path dir = Files.createTempDirectory("ssh-approvals-");
        Path message = Files.writeString(dir.resolve("digest.txt"), DIGEST + "\n");
        for (String[] k : new String[][] {{"ed25519", ""}, {"ecdsa", "256"}, {"rsa", "2048"}}) {
            Path key = dir.resolve(k[0]);
            List<String> cmd = new java.util.ArrayList<>(List.of("ssh-keygen", "-q", "-t", k[0], "-N", "", "-f", key.toString()));
            if (!k[1].isEmpty()) {
                cmd.addAll(List.of("-b", k[1]));
            }
            Tools.ok(cmd.toArray(String[]::new));
            Tools.ok("ssh-keygen", "-Y", "sign", "-f", key.toString(), "-n", "enclaveos-ceremony", message.toString());
            SIGNATURES.put(k[0], Files.readString(dir.resolve("digest.txt.sig")));
            Files.delete(dir.resolve("digest.txt.sig"));
            PUBLIC.put(k[0], Files.readString(dir.resolve(k[0] + ".pub")).trim());
            FINGERPRINTS.put(k[0], Tools.run(null, "ssh-keygen", "-l", "-f", dir.resolve(k[0] + ".pub").toString()).out()
                    .split(" ")[1]);
        }
        Tools.ok("ssh-keygen", "-Y", "sign", "-f", dir.resolve("ed25519").toString(), "-n", "git", message.toString());
        gitSignature = Files.readString(dir.resolve("digest.txt.sig"));
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }

    static byte[] message(String digest) {
        return (digest + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** The decoded blob of an armored signature, and back. */
    static byte[] blob(String armored) {
        String b64 = armored.replace("-----BEGIN SSH SIGNATURE-----", "").replace("-----END SSH SIGNATURE-----", "");
        return Base64.getMimeDecoder().decode(b64);
    }

    static String armor(byte[] blob) {
        return "-----BEGIN SSH SIGNATURE-----\n" + Base64.getMimeEncoder().encodeToString(blob)
                + "\n-----END SSH SIGNATURE-----\n";
    }

    /** An SSHSIG blob assembled from its parts (to change one at a time). */
    static byte[] sshsig(String magic, int version, byte[] key, String namespace, String hash, byte[] signature) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(magic.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt(version).array());
        SshSignature.Wire.putString(out, key);
        SshSignature.Wire.putString(out, namespace.getBytes(StandardCharsets.UTF_8));
        SshSignature.Wire.putString(out, new byte[0]);
        SshSignature.Wire.putString(out, hash.getBytes(StandardCharsets.UTF_8));
        SshSignature.Wire.putString(out, signature);
        return out.toByteArray();
    }

    /** The parts of an ssh-keygen signature of this key type: key blob and signature blob. */
    static byte[][] parts(String type) {
        return partsOf(SIGNATURES.get(type));
    }

    @Test
    void everyKeyTypeVerifiesOverItsMessageOnlyWithFingerprintsAsSshKeygenPrintsThem() {
        for (String type : SIGNATURES.keySet()) {
            SshSignature s = SshSignature.parse(SIGNATURES.get(type), type);
            assertEquals("enclaveos-ceremony", s.namespace);
            assertEquals("sha512", s.hashAlgorithm);
            assertTrue(s.verifies(message(DIGEST)), type);
            assertFalse(s.verifies(message("cd".repeat(32))), type + ": another batch");
            assertFalse(s.verifies(DIGEST.getBytes(StandardCharsets.US_ASCII)), type + ": the line without its newline");
            assertEquals(FINGERPRINTS.get(type), s.key.fingerprint(), type);
        }
    }

    @Test
    void aSignatureMadeForAnotherNamespaceDoesNotVerifyUnderThisOne() {
        SshSignature git = SshSignature.parse(gitSignature, "git.sig");
        assertEquals("git", git.namespace);
        assertTrue(git.verifies(message(DIGEST)), "valid in its own namespace");
        byte[][] p = parts("ed25519");
        SshSignature relabelled = SshSignature.parse(armor(sshsig("SSHSIG", 1, p[0], "enclaveos-ceremony", "sha512",
                partsOf(gitSignature)[1])), "relabelled");
        assertFalse(relabelled.verifies(message(DIGEST)), "the namespace is part of what is signed");
    }

    static byte[][] partsOf(String armored) {
        SshSignature.Wire in = new SshSignature.Wire(blob(armored), "t");
        in.bytes(6);
        in.uint32();
        byte[] key = in.string();
        in.string();
        in.string();
        in.string();
        return new byte[][] {key, in.string()};
    }

    @Test
    void malformedBlobsAreRefusedByName() {
        byte[][] p = parts("ed25519");
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("not armored", "hello");
        cases.put("not base64", "-----BEGIN SSH SIGNATURE-----\n!!!!\n-----END SSH SIGNATURE-----");
        cases.put("magic", armor(sshsig("SSHSIX", 1, p[0], "enclaveos-ceremony", "sha512", p[1])));
        cases.put("version", armor(sshsig("SSHSIG", 2, p[0], "enclaveos-ceremony", "sha512", p[1])));
        byte[] trailing = java.util.Arrays.copyOf(blob(SIGNATURES.get("ed25519")), blob(SIGNATURES.get("ed25519")).length + 1);
        cases.put("trailing", armor(trailing));
        byte[] truncated = java.util.Arrays.copyOf(trailing, 40);
        cases.put("truncated", armor(truncated));
        Map<String, String> expected = Map.of("not armored", "not an SSH signature", "not base64", "not base64",
                "magic", "not an SSHSIG blob", "version", "SSHSIG version 2, this tool reads version 1",
                "trailing", "1 bytes after the end", "truncated", "past the end");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            SignerException e = assertThrows(SignerException.class, () -> SshSignature.parse(c.getValue(), "f.sig"), c.getKey());
            assertTrue(e.getMessage().startsWith("f.sig: ") && e.getMessage().contains(expected.get(c.getKey())),
                    c.getKey() + ": " + e.getMessage());
        }
    }

    @Test
    void weakOrMismatchedAlgorithmsDoNotVerify() {
        byte[][] rsa = parts("rsa");
        SshSignature.Wire sig = new SshSignature.Wire(rsa[1], "s");
        String format = sig.text();
        byte[] raw = sig.string();
        assertEquals("rsa-sha2-512", format);
        for (String[] c : new String[][] {{"ssh-rsa", "sha512"}, {"rsa-sha2-256", "sha512"}, {"rsa-sha2-512", "sha256"},
            {"rsa-sha2-512", "md5"}}) {
            ByteArrayOutputStream s = new ByteArrayOutputStream();
            SshSignature.Wire.putString(s, c[0].getBytes(StandardCharsets.US_ASCII));
            SshSignature.Wire.putString(s, raw);
            SshSignature x = SshSignature.parse(armor(sshsig("SSHSIG", 1, rsa[0], "enclaveos-ceremony", c[1],
                    s.toByteArray())), "x");
            assertFalse(x.verifies(message(DIGEST)), c[0] + "/" + c[1]);
        }
        byte[][] ed = parts("ed25519");
        byte[][] ec = parts("ecdsa");
        assertFalse(SshSignature.parse(armor(sshsig("SSHSIG", 1, ed[0], "enclaveos-ceremony", "sha512", ec[1])), "x")
                .verifies(message(DIGEST)), "an ECDSA signature under an Ed25519 key");
        assertFalse(SshSignature.parse(armor(sshsig("SSHSIG", 1, ec[0], "enclaveos-ceremony", "sha512", ed[1])), "x")
                .verifies(message(DIGEST)), "an Ed25519 signature under an ECDSA key");
        ByteArrayOutputStream extra = new ByteArrayOutputStream();
        extra.writeBytes(ed[1]);
        extra.write(0);
        assertFalse(SshSignature.parse(armor(sshsig("SSHSIG", 1, ed[0], "enclaveos-ceremony", "sha512", extra.toByteArray())),
                "x").verifies(message(DIGEST)), "bytes after the signature");
    }

    @Test
    void bytesAfterAKeyOrInsideAnEcdsaSignatureAreRefused() {
        byte[][] ec = parts("ecdsa");
        byte[] longKey = java.util.Arrays.copyOf(ec[0], ec[0].length + 1);
        assertTrue(assertThrows(SignerException.class, () -> SshSignature.PublicKeyBlob.parse(longKey, "k"))
                .getMessage().contains("1 bytes after the end"));
        SshSignature.Wire sig = new SshSignature.Wire(ec[1], "s");
        String format = sig.text();
        byte[] rs = sig.string();
        ByteArrayOutputStream padded = new ByteArrayOutputStream();
        SshSignature.Wire.putString(padded, format.getBytes(StandardCharsets.US_ASCII));
        SshSignature.Wire.putString(padded, java.util.Arrays.copyOf(rs, rs.length + 1));
        assertFalse(SshSignature.parse(armor(sshsig("SSHSIG", 1, ec[0], "enclaveos-ceremony", "sha512", padded.toByteArray())),
                "x").verifies(message(DIGEST)), "r and s followed by a byte");
    }

    /**
     * An ECDSA coordinate travels as an SSH mpint: with a sign byte when its top bit is set, shorter when
     * its top bytes are zero. Each shape becomes exactly 32 bytes, right-aligned, or is refused; the keys
     * ssh-keygen makes in a run reach the short shapes only about once in 256, so they are built here.
     */
    @Test
    void ecdsaCoordinatesOfEveryShapeBecomeThirtyTwoBytes() {
        byte[] high = new byte[32];
        java.util.Arrays.fill(high, (byte) 0x81);
        byte[] withSignByte = new byte[33];
        System.arraycopy(high, 0, withSignByte, 1, 32);
        assertArrayEquals(high, SshSignature.PublicKeyBlob.fixed(withSignByte));
        byte[] low = new byte[32];
        java.util.Arrays.fill(low, (byte) 0x11);
        assertArrayEquals(low, SshSignature.PublicKeyBlob.fixed(low));
        byte[] thirtyOne = new byte[32];
        java.util.Arrays.fill(thirtyOne, 1, 32, (byte) 0x7f);
        assertArrayEquals(thirtyOne, SshSignature.PublicKeyBlob.fixed(java.util.Arrays.copyOfRange(thirtyOne, 1, 32)));
        byte[] two = new byte[32];
        two[30] = 0x12;
        two[31] = 0x34;
        assertArrayEquals(two, SshSignature.PublicKeyBlob.fixed(new byte[] {0, 0, 0x12, 0x34}));
        byte[] tooLong = new byte[33];
        java.util.Arrays.fill(tooLong, (byte) 0x11);
        assertNull(SshSignature.PublicKeyBlob.fixed(tooLong));
        byte[] tooLongWithSignByte = new byte[34];
        java.util.Arrays.fill(tooLongWithSignByte, 1, 34, (byte) 0x81);
        assertNull(SshSignature.PublicKeyBlob.fixed(tooLongWithSignByte));
    }

    @Test
    void keysOfOtherShapesAreRefused() {
        ByteArrayOutputStream dsa = new ByteArrayOutputStream();
        SshSignature.Wire.putString(dsa, "ssh-dss".getBytes(StandardCharsets.US_ASCII));
        assertTrue(assertThrows(SignerException.class, () -> SshSignature.PublicKeyBlob.parse(dsa.toByteArray(), "k"))
                .getMessage().contains("key type 'ssh-dss'"));
        ByteArrayOutputStream shortEd = new ByteArrayOutputStream();
        SshSignature.Wire.putString(shortEd, "ssh-ed25519".getBytes(StandardCharsets.US_ASCII));
        SshSignature.Wire.putString(shortEd, new byte[31]);
        assertTrue(assertThrows(SignerException.class, () -> SshSignature.PublicKeyBlob.parse(shortEd.toByteArray(), "k"))
                .getMessage().contains("an Ed25519 key of 31 bytes"));
        ByteArrayOutputStream p384 = new ByteArrayOutputStream();
        SshSignature.Wire.putString(p384, "ecdsa-sha2-nistp256".getBytes(StandardCharsets.US_ASCII));
        SshSignature.Wire.putString(p384, "nistp384".getBytes(StandardCharsets.US_ASCII));
        SshSignature.Wire.putString(p384, new byte[65]);
        assertTrue(assertThrows(SignerException.class, () -> SshSignature.PublicKeyBlob.parse(p384.toByteArray(), "k"))
                .getMessage().contains("not an uncompressed P-256 point"));
        ByteArrayOutputStream smallRsa = new ByteArrayOutputStream();
        SshSignature.Wire.putString(smallRsa, "ssh-rsa".getBytes(StandardCharsets.US_ASCII));
        SshSignature.Wire.putString(smallRsa, new byte[] {3});
        byte[] n = new byte[128];
        n[0] = (byte) 0xc1;
        n[127] = 1;
        SshSignature.Wire.putString(smallRsa, n);
        assertTrue(assertThrows(SignerException.class, () -> SshSignature.PublicKeyBlob.parse(smallRsa.toByteArray(), "k"))
                .getMessage().contains("an RSA key of 1024 bits"));
    }

    Approvals.Rule rule(Path approvals, String allowed, int m) throws Exception {
        return new Approvals.Rule(approvals, Files.writeString(approvals.resolveSibling(approvals.getFileName() + ".allowed"),
                allowed), m);
    }

    Path approvals(String name, String... types) throws Exception {
        Path d = Files.createDirectories(dir.resolve(name));
        for (String t : types) {
            Files.writeString(d.resolve(t + ".sig"), SIGNATURES.get(t));
        }
        return d;
    }

    @Test
    void approvalsAreCountedByDistinctKeyAndNamedInOrder() throws Exception {
        Path d = approvals("count", "ed25519", "ecdsa");
        Files.writeString(d.resolve("ed25519-again.sig"), SIGNATURES.get("ed25519"));
        Files.writeString(d.resolve("notes.txt"), "not an approval");
        String allowed = "alice " + PUBLIC.get("ed25519") + "\nbob " + PUBLIC.get("ecdsa") + "\n";
        List<Approvals.Approval> a = Approvals.check(rule(d, allowed, 2), DIGEST, NOW);
        assertEquals(List.of("bob", "alice"), a.stream().map(Approvals.Approval::principals).toList(),
                "ecdsa.sig, then ed25519.sig (file order); the second ed25519 approval counts once");
        assertEquals("ecdsa.sig", a.get(0).file());
        assertEquals("ecdsa-sha2-nistp256", a.get(0).keyType());
        SignerException three = assertThrows(SignerException.class, () -> Approvals.check(rule(d, allowed, 3), DIGEST, NOW));
        assertTrue(three.getMessage().endsWith(": 2 distinct approvals (bob, alice) of batch " + DIGEST + ", 3 required "
                + "(--require-approvals)"), three.getMessage());
        Path one = approvals("one", "ed25519");
        assertTrue(assertThrows(SignerException.class, () -> Approvals.check(rule(one, allowed, 2), DIGEST, NOW))
                .getMessage().contains(": 1 distinct approval (alice) of batch"));
    }

    @Test
    void eachRefusalNamesTheFile() throws Exception {
        String allowed = "alice " + PUBLIC.get("ed25519") + "\n";
        Path other = approvals("other", "ed25519");
        assertTrue(assertThrows(SignerException.class, () -> Approvals.check(rule(other, allowed, 1), "cd".repeat(32), NOW))
                .getMessage().contains("ed25519.sig: does not verify over this batch's digest " + "cd".repeat(32)));
        Path unlisted = approvals("unlisted", "ecdsa");
        assertTrue(assertThrows(SignerException.class, () -> Approvals.check(rule(unlisted, allowed, 1), DIGEST, NOW))
                .getMessage().contains("ecdsa.sig: signed by ecdsa-sha2-nistp256 SHA256:"));
        Path git = Files.createDirectories(dir.resolve("git"));
        Files.writeString(git.resolve("alice.sig"), gitSignature);
        assertTrue(assertThrows(SignerException.class, () -> Approvals.check(rule(git, allowed, 1), DIGEST, NOW))
                .getMessage().contains("alice.sig: signed in namespace 'git'"));
        Path ok = approvals("ok", "ed25519");
        assertEquals(1, Approvals.check(rule(ok, allowed, 1), DIGEST, NOW).size());
        String windowed = "alice valid-after=\"20261201\" " + PUBLIC.get("ed25519") + "\n";
        assertTrue(assertThrows(SignerException.class, () -> Approvals.check(rule(ok, windowed, 1), DIGEST, NOW))
                .getMessage().contains("alice's key is not valid now"));
        String expired = "alice valid-before=\"202611300000\" " + PUBLIC.get("ed25519") + "\n";
        assertThrows(SignerException.class, () -> Approvals.check(rule(ok, expired, 1), DIGEST, NOW), "valid-before is exclusive");
        String open = "alice valid-after=\"20261130\",valid-before=\"20261201Z\" " + PUBLIC.get("ed25519") + "\n";
        assertEquals(1, Approvals.check(rule(ok, open, 1), DIGEST, NOW).size(), "valid-after is inclusive");
        String namespaces = "alice namespaces=\"git,file\" " + PUBLIC.get("ed25519") + "\n";
        assertTrue(assertThrows(SignerException.class, () -> Approvals.check(rule(ok, namespaces, 1), DIGEST, NOW))
                .getMessage().contains("alice may sign only in git,file"));
        String allowedNs = "alice namespaces=\"git,enclaveos-ceremony\" " + PUBLIC.get("ed25519") + "\n";
        assertEquals(1, Approvals.check(rule(ok, allowedNs, 1), DIGEST, NOW).size());
    }

    @Test
    void allowedSignersLinesAreParsedAsOpenSshWritesThem() throws Exception {
        String[] ed = PUBLIC.get("ed25519").split(" ");
        Path f = Files.writeString(dir.resolve("as"), "# team\n\n  \"alice@x, a@y\" " + ed[0] + " " + ed[1] + " alice's laptop\n"
                + "bob@x,carol@x " + PUBLIC.get("ecdsa") + "\n");
        List<Approvals.Signer> s = Approvals.allowedSigners(f, NOW);
        assertEquals(List.of("alice@x, a@y", "bob@x,carol@x"), s.stream().map(Approvals.Signer::principals).toList());
        assertEquals(List.of(), s.get(0).namespaces());
        String[][] bad = {
            {"alice", "expected principals, key type and key"},
            {"alice namespaces=\"x\" " + ed[0], "expected a key type and a key after the options"},
            {"alice \"unterminated " + ed[0] + " " + ed[1], "an unterminated quote"},
            {"alice verify-required " + ed[0] + " " + ed[1], "unknown option 'verify-required'"},
            {"alice valid-after=\"2026\" " + ed[0] + " " + ed[1], "'2026' is not YYYYMMDD[HHMM[SS]]"},
        };
        for (String[] b : bad) {
            Path file = Files.writeString(dir.resolve("bad"), b[0] + "\n");
            SignerException e = assertThrows(SignerException.class, () -> Approvals.allowedSigners(file, NOW), b[0]);
            assertTrue(e.getMessage().startsWith(file + " line 1: ") && e.getMessage().contains(b[1]), e.getMessage());
        }
        Path times = Files.writeString(dir.resolve("times"), "a valid-after=\"20261130123456\",valid-before=\"202612011200Z\" "
                + PUBLIC.get("ed25519") + "\n");
        Approvals.Signer t = Approvals.allowedSigners(times, NOW).get(0);
        assertEquals(Instant.parse("2026-11-30T12:34:56Z"), t.validAfter());
        assertEquals(Instant.parse("2026-12-01T12:00:00Z"), t.validBefore());
    }
}
