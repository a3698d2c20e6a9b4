package org.enclaveos.signer.signoffline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.cli.CliRun;
import org.enclaveos.signer.testing.Requests;
import org.enclaveos.signer.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * M-of-N approvals made with the real {@code ssh-keygen -Y sign} (OpenSSH), for Ed25519, ECDSA P-256
 * and RSA approver keys: every refusal names the file and comes before the key is opened (an
 * encrypted key whose passphrase nobody gives would otherwise be asked for first).
 */
class ApprovalsTest extends CeremonyFixture {
    @TempDir
    static Path approvers;

    /** alice (Ed25519), bob (ECDSA P-256), carol (RSA 3072), mallory (Ed25519, not listed). */
    static final List<String[]> KEYS = List.of(new String[] {"alice", "ed25519", ""}, new String[] {"bob", "ecdsa", "256"},
            new String[] {"carol", "rsa", "3072"}, new String[] {"mallory", "ed25519", ""});

    @BeforeAll
    static void approverKeys() throws Exception {
        Tools.require("ssh-keygen");
        StringBuilder allowed = new StringBuilder("# approvers of SGX ceremonies\n");
        for (String[] k : KEYS) {
            Path file = approvers.resolve(k[0]);
            List<String> cmd = new java.util.ArrayList<>(List.of("ssh-keygen", "-q", "-t", k[1], "-N", "", "-C", k[0], "-f",
                    file.toString()));
            if (!k[2].isEmpty()) {
                cmd.addAll(List.of("-b", k[2]));
            }
            Tools.ok(cmd.toArray(String[]::new));
            if (!k[0].equals("mallory")) {
                String[] pub = Files.readString(approvers.resolve(k[0] + ".pub")).trim().split(" ");
                allowed.append(k[0]).append("@example.com ").append(k[0].equals("bob") ? "namespaces=\"git,enclaveos-ceremony\" " : "")
                        .append(pub[0]).append(' ').append(pub[1]).append('\n');
            }
        }
        Files.writeString(approvers.resolve("allowed_signers"), allowed);
    }

    Path requests() {
        return Requests.write(dir.resolve("req"), 3, null);
    }

    String digest(Path requests, String... flags) {
        List<String> args = new java.util.ArrayList<>(List.of(requests.toString(), "--print-batch-digest"));
        args.addAll(List.of(flags));
        CliRun d = sign(args.toArray(String[]::new));
        assertEquals(0, d.exitCode(), d::toString);
        return d.out().trim();
    }

    /** What an approver does: write the digest line to a file, sign it, send the .sig. */
    Path approve(String who, String digestLine, String namespace, Path approvals, String name) throws Exception {
        Path work = Files.createTempDirectory(dir, "approver-" + who + "-");
        Path file = work.resolve("batch-digest.txt");
        Files.writeString(file, digestLine + "\n");
        Tools.ok("ssh-keygen", "-Y", "sign", "-f", approvers.resolve(who).toString(), "-n", namespace, file.toString());
        Files.createDirectories(approvals);
        return Files.copy(work.resolve("batch-digest.txt.sig"), approvals.resolve(name + ".sig"));
    }

    CliRun ceremony(Path requests, Path approvals, int m, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of(requests.toString(), "--key", keyFile.toString(), "--out",
                dir.resolve("out").toString(), "--yes", "--approvals", approvals.toString(), "--approvers",
                approvers.resolve("allowed_signers").toString(), "--require-approvals", Integer.toString(m)));
        args.addAll(List.of(extra));
        return sign(args.toArray(String[]::new));
    }

    @Test
    void twoOfThreeApproversOfEachKeyTypeLetTheCeremonySignAndAreJournaled() throws Exception {
        Path req = requests();
        String digest = digest(req);
        Path approvals = dir.resolve("approvals");
        approve("bob", digest, "enclaveos-ceremony", approvals, "bob");
        approve("carol", digest, "enclaveos-ceremony", approvals, "carol");
        CliRun r = ceremony(req, approvals, 2, "--operator", "Dana Operator", "--witness", "Eve", "--witness", "Frank",
                "--location", "vault B", "--note", "HSM 2 offline; PEM key used");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.err().contains("Approvals:  2 distinct (2 required) of batch " + digest), r.err());
        assertTrue(r.err().contains("Operator:   Dana Operator; witnesses: Eve, Frank; location: vault B"), r.err());
        JsonNode start = new ObjectMapper().readTree(Files.readAllLines(dir.resolve("out/journal.jsonl")).get(0));
        assertEquals("ceremony-start", start.path("event").asText());
        assertEquals(digest, start.path("batchDigest").asText());
        assertEquals(2, start.path("approvals").size());
        String bobFingerprint = Tools.run(null, "ssh-keygen", "-l", "-f", approvers.resolve("bob.pub").toString()).out()
                .split(" ")[1];
        assertEquals(bobFingerprint, start.at("/approvals/0/fingerprint").asText(), "ssh-keygen -l's fingerprint");
        assertEquals("bob@example.com", start.at("/approvals/0/principals").asText());
        assertEquals("ecdsa-sha2-nistp256", start.at("/approvals/0/keyType").asText());
        assertEquals("ssh-rsa", start.at("/approvals/1/keyType").asText());
        assertEquals("Dana Operator", start.path("operator").asText());
        assertEquals("[\"Eve\",\"Frank\"]", start.path("witnesses").toString());
        assertEquals("[\"HSM 2 offline; PEM key used\"]", start.path("notes").toString());
        assertEquals(64, start.path("allowedSignersSha256").asText().length());
        assertEquals(org.enclaveos.signer.sgx.Hash256.ofFile(keyFile).hex(), start.path("keyFileSha256").asText(),
                "the key file is an input like the others");
        assertEquals(org.enclaveos.signer.sgx.Hash256.ofFile(approvals.resolve("bob.sig")).hex(),
                start.at("/approvals/0/sha256").asText());
    }

    @Test
    void fewerThanMDistinctApproversIsRefusedAndTheSameApproverTwiceCountsOnce() throws Exception {
        Path req = requests();
        String digest = digest(req);
        Path approvals = dir.resolve("approvals");
        approve("alice", digest, "enclaveos-ceremony", approvals, "alice");
        approve("alice", digest, "enclaveos-ceremony", approvals, "alice-again");
        approve("bob", digest, "enclaveos-ceremony", approvals, "bob");
        CliRun r = ceremony(req, approvals, 3);
        assertEquals(ErrorKind.POLICY.exitCode(), r.exitCode(), r::toString);
        assertTrue(r.lastErrLine().contains("2 distinct approvals (alice@example.com, bob@example.com) of batch " + digest
                + ", 3 required"), r.err());
        assertFalse(Files.exists(dir.resolve("out/journal.jsonl")), "nothing journaled, nothing signed");
        assertEquals(0, ceremony(req, approvals, 2).exitCode());
    }

    @Test
    void anApprovalOfAnotherBatchNamespaceKeyOrByteIsRefusedNamingTheFile() throws Exception {
        Path req = requests();
        String digest = digest(req);
        String production = digest(req, "--production");
        assertFalse(digest.equals(production), "the policy flags are part of the batch");
        String[][] cases = {
            {"alice", production, "enclaveos-ceremony", "does not verify over this batch's digest " + digest},
            {"alice", digest, "git", "signed in namespace 'git'"},
            {"mallory", digest, "enclaveos-ceremony", "which " + approvers.resolve("allowed_signers") + " does not list"},
        };
        int i = 0;
        for (String[] c : cases) {
            Path approvals = dir.resolve("approvals" + i++);
            approve("bob", digest, "enclaveos-ceremony", approvals, "bob");
            Path bad = approve(c[0], c[1], c[2], approvals, "x");
            CliRun r = ceremony(req, approvals, 1);
            assertEquals(ErrorKind.POLICY.exitCode(), r.exitCode(), r::toString);
            assertTrue(r.lastErrLine().contains(bad + ": " ) && r.lastErrLine().contains(c[3]), r.lastErrLine());
        }
        Path approvals = dir.resolve("flipped");
        Path sig = approve("alice", digest, "enclaveos-ceremony", approvals, "alice");
        String text = Files.readString(sig);
        int at = text.indexOf('\n', 40) + 30; // inside the base64, past the header
        char c = text.charAt(at);
        Files.writeString(sig, text.substring(0, at) + (c == 'A' ? 'B' : 'A') + text.substring(at + 1));
        CliRun r = ceremony(req, approvals, 1);
        assertTrue(r.exitCode() != 0 && r.lastErrLine().contains(sig.toString()), r.toString());
    }

    @Test
    void theRefusalComesBeforeTheKeyIsOpened() throws Exception {
        Path req = requests();
        Path encrypted = dir.resolve("encrypted.pem");
        Tools.ok("openssl", "pkcs8", "-topk8", "-in", keyFile.toString(), "-out", encrypted.toString(), "-v2", "aes-256-cbc",
                "-passout", "pass:secret");
        Path approvals = Files.createDirectories(dir.resolve("none"));
        CliRun r = sign(req.toString(), "--key", encrypted.toString(), "--out", dir.resolve("out").toString(), "--yes",
                "--approvals", approvals.toString(), "--approvers", approvers.resolve("allowed_signers").toString(),
                "--require-approvals", "1");
        assertEquals(ErrorKind.POLICY.exitCode(), r.exitCode(), r::toString);
        assertFalse(r.err().contains("assphrase"), "no passphrase asked for: " + r.err());
        assertTrue(r.lastErrLine().contains("0 distinct approvals of batch"), r.err());
    }

    @Test
    void allowedSignersLinesAreReadAsOpenSshDoesAndBadOnesAreRefusedByLine() throws Exception {
        Path req = requests();
        String digest = digest(req);
        Path approvals = dir.resolve("approvals");
        approve("alice", digest, "enclaveos-ceremony", approvals, "alice");
        String alice = Files.readString(approvers.resolve("alice.pub")).trim();
        String[] pub = alice.split(" ");
        String[][] files = {
            {"\"alice@example.com,a@b\" valid-after=\"20200101\",valid-before=\"21000101Z\" " + pub[0] + " " + pub[1], ""},
            {"alice@example.com namespaces=\"git\" " + pub[0] + " " + pub[1], "may sign only in git"},
            {"alice@example.com valid-before=\"20200101\" " + pub[0] + " " + pub[1], "is not valid now"},
            {"alice@example.com cert-authority " + pub[0] + " " + pub[1], "cert-authority lines are not supported"},
            {"alice@example.com ssh-rsa " + pub[1], "the line says ssh-rsa, the key is ssh-ed25519"},
            {"alice@example.com " + pub[0] + " !!!", "the key is not base64"},
        };
        for (String[] f : files) {
            Path allowed = Files.writeString(dir.resolve("allowed"), "\n# comment\n" + f[0] + "\n");
            CliRun r = sign(req.toString(), "--key", keyFile.toString(), "--out", dir.resolve("out-" + f[1].length()).toString(),
                    "--yes", "--approvals", approvals.toString(), "--approvers", allowed.toString(), "--require-approvals", "1");
            if (f[1].isEmpty()) {
                assertEquals(0, r.exitCode(), r::toString);
            } else {
                assertTrue(r.exitCode() != 0 && r.lastErrLine().contains(f[1]), f[0] + " -> " + r);
            }
            if (f[1].startsWith("cert") || f[1].startsWith("the")) {
                assertTrue(r.lastErrLine().contains(allowed + " line 3"), r.lastErrLine());
            }
        }
    }

    @Test
    void approvalOptionsGoTogetherAndParticipantsAreText() {
        Path req = requests();
        CliRun partial = sign(req.toString(), "--key", keyFile.toString(), "--out", dir.resolve("o").toString(), "--yes",
                "--approvals", dir.toString());
        assertEquals(ErrorKind.USAGE.exitCode(), partial.exitCode());
        assertTrue(partial.lastErrLine().contains("--approvals, --approvers and --require-approvals go together"));
        CliRun control = sign(req.toString(), "--key", keyFile.toString(), "--out", dir.resolve("o").toString(), "--yes",
                "--witness", "Eve\u001b[2J");
        assertEquals(ErrorKind.USAGE.exitCode(), control.exitCode());
        CliRun witnessYes = sign(req.toString(), "--key", keyFile.toString(), "--out", dir.resolve("o").toString(), "--yes",
                "--witness", "Eve", "--witness-confirmation");
        assertEquals(ErrorKind.USAGE.exitCode(), witnessYes.exitCode());
        assertTrue(new String(witnessYes.err().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)
                .contains("--witness-confirmation and --yes contradict each other"));
        CliRun noWitness = sign(req.toString(), "--key", keyFile.toString(), "--out", dir.resolve("o").toString(),
                "--witness-confirmation");
        assertTrue(noWitness.lastErrLine().contains("--witness-confirmation needs at least one --witness"), noWitness.err());
        CliRun noTerminal = sign(req.toString(), "--key", keyFile.toString(), "--out", dir.resolve("o").toString(),
                "--witness", "Eve", "--witness-confirmation");
        assertEquals(ErrorKind.USAGE.exitCode(), noTerminal.exitCode(), noTerminal::toString);
        assertTrue(noTerminal.lastErrLine().contains("no terminal to confirm the review on"), noTerminal.err());
        assertFalse(Files.exists(dir.resolve("o/journal.jsonl")), "nothing signed without the confirmations");
    }
}
