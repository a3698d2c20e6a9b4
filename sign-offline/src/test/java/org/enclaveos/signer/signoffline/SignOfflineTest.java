package org.enclaveos.signer.signoffline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.enclaveos.signer.crypto.PassphraseSource;
import org.enclaveos.signer.crypto.PemKeys;
import org.enclaveos.signer.crypto.SigningKey;
import org.enclaveos.signer.crypto.SigstructVerifier;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.request.RequestWriter;
import org.enclaveos.signer.request.SigningResponse;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.cli.CliRun;
import org.enclaveos.signer.testing.Tools;
import org.enclaveos.signer.testing.Requests;
import org.junit.jupiter.api.Test;

class SignOfflineTest extends CeremonyFixture {

    @Test
    void signsVerifiesWritesResponsesAndJournals() throws IOException {
        Path req = Requests.write(dir.resolve("req"), 3, key.mrsigner());
        Path out = dir.resolve("signed");
        CliRun r = sign(req.toString(), "--key", keyFile.toString(), "--out", out.toString(), "--yes", "--production",
                "--ceremony-id", "2026-11-26-A", "--json");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.err().contains("Review: 3 request(s), 3 to sign"), r.err());
        assertTrue(r.err().contains("MRSIGNER " + key.mrsigner()), r.err());
        // Issue 13, item 10: the review and the journal name the build that signed.
        assertTrue(r.err().contains("\nTool: " + org.enclaveos.signer.ToolVersion.describe() + "\n"), r.err());
        assertTrue(Files.readAllLines(out.resolve("journal.jsonl")).get(0).contains("\"tool\":\""
                + org.enclaveos.signer.ToolVersion.describe() + "\""));
        for (int i = 0; i < 3; i++) {
            Sigstruct s = Sigstruct.read(out.resolve("app" + i + ".sgx1.sigstruct"));
            assertTrue(SigstructVerifier.verify(s).valid());
            assertEquals(key.mrsigner(), s.mrsigner());
            assertTrue(s.sameSignedFields(Requests.production(i)));
            SigningResponse resp = SigningResponse.parse(Files.readAllBytes(out.resolve("app" + i + ".sgx1.response.json")), "r");
            assertEquals(key.mrsigner().hex(), resp.mrsigner());
            assertEquals(org.enclaveos.signer.sgx.Hash256.sha256(Files.readAllBytes(req.resolve("app" + i + ".sgx1.request.json"))).hex(),
                    resp.requestSha256());
        }
        assertEquals(3, new ObjectMapper().readTree(r.out()).get("signed").asInt());
        Journal.Tail tail = Journal.verify(out.resolve("journal.jsonl"));
        assertEquals(5, tail.lines(), "start, three signed, end");
        String journal = Files.readString(out.resolve("journal.jsonl"));
        assertTrue(journal.contains("\"ceremonyId\":\"2026-11-26-A\""), journal);
        assertFalse(journal.toLowerCase().contains("passphrase"), journal);
    }

    @Test
    void aRerunSkipsWhatIsSignedAndRefusesADifferentKey() throws IOException {
        Path req = Requests.write(dir.resolve("req"), 2, null);
        Path out = dir.resolve("signed");
        assertEquals(0, sign(req.toString(), "--key", keyFile.toString(), "--out", out.toString(), "--yes").exitCode());
        byte[] first = Files.readAllBytes(out.resolve("app0.sgx1.sigstruct"));
        // Simulate an interruption: one output lost.
        Files.delete(out.resolve("app1.sgx1.sigstruct"));
        Files.delete(out.resolve("app1.sgx1.response.json"));
        CliRun again = sign(req.toString(), "--key", keyFile.toString(), "--out", out.toString(), "--yes");
        assertEquals(0, again.exitCode(), again::toString);
        assertTrue(again.out().contains("1 signed, 1 already signed"), again.out());
        assertArrayEquals(first, Files.readAllBytes(out.resolve("app0.sgx1.sigstruct")));
        assertEquals(8, Journal.verify(out.resolve("journal.jsonl")).lines(), "two ceremonies of start, two items, end");

        Path other = dir.resolve("other.pem");
        PemKeys.writePrivateKey(org.enclaveos.signer.testing.TestKeys.key("other"), other);
        CliRun refused = sign(req.toString(), "--key", other.toString(), "--out", out.toString(), "--yes");
        assertEquals(6, refused.exitCode(), refused::toString);
        assertTrue(refused.errLines()[0].contains("app0.sgx1.sigstruct: already exists and it was signed by "), refused.err());
        assertArrayEquals(first, Files.readAllBytes(out.resolve("app0.sgx1.sigstruct")));
    }

    @Test
    void refusesWithoutATerminalUnlessYesAndStopsAfterADryRun() throws IOException {
        Path req = Requests.write(dir.resolve("req"), 1, null);
        Path out = dir.resolve("signed");
        CliRun noTty = sign(req.toString(), "--key", keyFile.toString(), "--out", out.toString());
        assertEquals(2, noTty.exitCode(), noTty::toString);
        assertTrue(noTty.err().contains("enclaveos-signer: no terminal to confirm the review on; give --yes"), noTty.err());
        assertFalse(Files.exists(out.resolve("app0.sgx1.sigstruct")));
        CliRun dry = sign(req.toString(), "--key", keyFile.toString(), "--out", out.toString(), "--dry-run");
        assertEquals(0, dry.exitCode(), dry::toString);
        assertTrue(dry.err().contains("dry run: nothing signed"));
        assertFalse(Files.exists(out));
    }

    @Test
    void productionPolicyAndPinnedSigner() throws IOException {
        Path debugDir = dir.resolve("debug");
        RequestWriter.write(debugDir, List.of(Requests.request("dbg", MemoryModel.SGX1, Requests.debug(1), null)), false, "t");
        CliRun prod = sign(debugDir.toString(), "--key", keyFile.toString(), "--out", dir.resolve("o").toString(), "--yes",
                "--production");
        assertEquals(7, prod.exitCode(), prod::toString);
        assertTrue(prod.errLines()[0].endsWith("dbg.sgx1.request.json: ATTRIBUTES.DEBUG is set; a --production ceremony "
                + "signs production requests only"), prod.err());
        CliRun flagged = sign(debugDir.toString(), "--key", keyFile.toString(), "--out", dir.resolve("o").toString(), "--dry-run");
        assertEquals(0, flagged.exitCode(), flagged::toString);
        assertTrue(flagged.err().contains("WARNING    DEBUG set"), flagged.err());

        Path pinned = Requests.write(dir.resolve("pinned"), 1, org.enclaveos.signer.testing.TestKeys.key("someone else").mrsigner());
        CliRun wrongSigner = sign(pinned.toString(), "--key", keyFile.toString(), "--out", dir.resolve("o2").toString(), "--yes");
        assertEquals(7, wrongSigner.exitCode(), wrongSigner::toString);
        assertTrue(wrongSigner.errLines()[0].contains("the request pins signer"), wrongSigner.err());
    }

    @Test
    void keysSgxCannotUseAndWrongPassphrasesAreOneLineExit5() throws IOException {
        Path req = Requests.write(dir.resolve("req"), 1, null);
        Path small = dir.resolve("rsa2048.pem");
        Tools.ok("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-pkeyopt",
                "rsa_keygen_pubexp:3", "-out", small.toString());
        CliRun r = sign(req.toString(), "--key", small.toString(), "--out", dir.resolve("o").toString(), "--yes");
        assertEquals(5, r.exitCode(), r::toString);
        assertEquals("enclaveos-signer: " + small + ": key is RSA-2048 with exponent 3; SGX needs RSA-3072 with exponent 3",
                r.errLines()[0]);

        Path f4 = dir.resolve("f4.pem");
        Tools.ok("openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072", "-out", f4.toString());
        CliRun e = sign(req.toString(), "--key", f4.toString(), "--out", dir.resolve("o").toString(), "--yes");
        assertEquals(5, e.exitCode(), e::toString);
        assertTrue(e.errLines()[0].endsWith("key is RSA-3072 with exponent 65537; SGX needs RSA-3072 with exponent 3"));

        Path enc = dir.resolve("enc.pem");
        Tools.ok("openssl", "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", keyFile.toString(), "-out", enc.toString(),
                "-passout", "pass:right");
        Path wrong = Files.writeString(dir.resolve("wrong.txt"), "wrong\n");
        CliRun bad = sign(req.toString(), "--key", enc.toString(), "--passphrase-file", wrong.toString(), "--out",
                dir.resolve("o").toString(), "--yes");
        assertEquals(5, bad.exitCode(), bad::toString);
        assertEquals(1, bad.errLines().length, bad::toString);
        assertEquals("enclaveos-signer: " + enc + ": wrong passphrase (the key cannot be decrypted)", bad.errLines()[0]);
        Path right = Files.writeString(dir.resolve("right.txt"), "right\n");
        CliRun good = sign(req.toString(), "--key", enc.toString(), "--passphrase-file", right.toString(), "--out",
                dir.resolve("o").toString(), "--yes");
        assertEquals(0, good.exitCode(), good::toString);
        CliRun noTty = sign(req.toString(), "--key", enc.toString(), "--out", dir.resolve("o3").toString(), "--yes");
        assertEquals(5, noTty.exitCode(), noTty::toString);
        assertTrue(noTty.errLines()[0].contains("no terminal to ask for the passphrase on"), noTty.err());
    }

    @Test
    void exportedPayloadsSignedByOpensslImportToTheSameSigstructs() throws IOException {
        Path req = Requests.write(dir.resolve("req"), 2, key.mrsigner());
        Path payloads = dir.resolve("payloads");
        CliRun unconfirmed = sign(req.toString(), "--export-payloads", payloads.toString());
        assertEquals(2, unconfirmed.exitCode(), unconfirmed::toString);
        assertTrue(unconfirmed.err().contains("Review: 2 request(s), 2 to export"), unconfirmed.err());
        assertFalse(Files.exists(payloads), "no payload leaves without the typed confirmation");
        CliRun export = sign(req.toString(), "--export-payloads", payloads.toString(), "--yes");
        assertEquals(0, export.exitCode(), export::toString);
        for (int i = 0; i < 2; i++) {
            assertTrue(export.out().contains(payloads.resolve("app" + i + ".sgx1.payload") + "  sha256 "), export.out());
        }
        assertTrue(export.out().contains("2 payloads exported, journal " + payloads.resolve("journal.jsonl")), export.out());
        String exportLine = Files.readAllLines(payloads.resolve("journal.jsonl")).get(0);
        assertTrue(exportLine.contains("\"event\":\"payloads-exported\""), exportLine);
        for (int i = 0; i < 2; i++) {
            assertTrue(exportLine.contains("\"id\":\"app" + i + ".sgx1\""), exportLine);
        }
        Path pub = dir.resolve("pub.pem");
        PemKeys.writePublicKey(key.publicKey(), pub);
        for (int i = 0; i < 2; i++) {
            Path payload = payloads.resolve("app" + i + ".sgx1.payload");
            assertEquals(256, Files.size(payload));
            // What an HSM console or a separate signing box does with the payload.
            Tools.ok("openssl", "dgst", "-sha256", "-sign", keyFile.toString(), "-out",
                    payloads.resolve("app" + i + ".sgx1.sig").toString(), payload.toString());
        }
        Path imported = dir.resolve("imported");
        CliRun imp = sign(req.toString(), "--import-signatures", payloads.toString(), "--public-key", pub.toString(),
                "--out", imported.toString(), "--yes");
        assertEquals(0, imp.exitCode(), imp::toString);
        Path direct = dir.resolve("direct");
        assertEquals(0, sign(req.toString(), "--key", keyFile.toString(), "--out", direct.toString(), "--yes").exitCode());
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(Files.readAllBytes(direct.resolve("app" + i + ".sgx1.sigstruct")),
                    Files.readAllBytes(imported.resolve("app" + i + ".sgx1.sigstruct")));
        }
        // A signature over another payload is refused.
        Files.copy(payloads.resolve("app0.sgx1.sig"), payloads.resolve("app1.sgx1.sig"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        CliRun wrong = sign(req.toString(), "--import-signatures", payloads.toString(), "--public-key", pub.toString(),
                "--out", dir.resolve("imported2").toString(), "--yes");
        assertEquals(1, wrong.exitCode(), wrong::toString);
        assertTrue(wrong.lastErrLine().contains("app1.sgx1.sig: not a valid signature of app1.sgx1's payload"), wrong.err());
    }

    @Test
    void anOutputDirectoryThatCannotBeCreatedIsOneClearErrorAndNothingIsSigned() throws IOException {
        Path req = Requests.write(dir.resolve("req"), 2, null);
        Path blocker = Files.writeString(dir.resolve("a-file"), "not a directory");
        Path out = blocker.resolve("signed");
        CliRun r = sign(req.toString(), "--key", keyFile.toString(), "--out", out.toString(), "--yes");
        assertEquals(3, r.exitCode(), r::toString);
        assertTrue(r.lastErrLine().startsWith("enclaveos-signer: " + out), r.err());
        assertEquals("not a directory", Files.readString(blocker), "nothing was written");
    }

    @Test
    void aSecondCeremonyOnTheSameOutputIsRefusedBeforeWritingAnything() throws IOException {
        Path req = Requests.write(dir.resolve("req"), 2, null);
        Path out = dir.resolve("signed");
        Path journals = dir.resolve("journals");
        try (OutputLock first = OutputLock.acquire(out, out.resolve("journal.jsonl"))) {
            CliRun second = sign(req.toString(), "--key", keyFile.toString(), "--out", out.toString(), "--yes");
            assertEquals(3, second.exitCode(), second::toString);
            assertEquals("enclaveos-signer: " + out + ": another sign-offline is writing here (it holds .sign-offline.lock); "
                    + "wait for it to finish, or choose another --out", second.lastErrLine());
            try (var s = Files.list(out)) {
                assertEquals(List.of(OutputLock.FILE_NAME), s.map(p -> p.getFileName().toString()).toList());
            }
        }
        // Released: the same command now runs.
        assertEquals(0, sign(req.toString(), "--key", keyFile.toString(), "--out", out.toString(), "--yes").exitCode());

        // A journal kept elsewhere is locked too: another output directory does not get around it.
        try (OutputLock first = OutputLock.acquire(dir.resolve("other-out"), journals.resolve("shared.jsonl"))) {
            CliRun second = sign(req.toString(), "--key", keyFile.toString(), "--out", dir.resolve("third-out").toString(),
                    "--yes", "--journal", journals.resolve("shared.jsonl").toString());
            assertEquals(3, second.exitCode(), second::toString);
            assertTrue(second.lastErrLine().startsWith("enclaveos-signer: " + journals + ": another sign-offline"), second.err());
        }
    }

    @Test
    void verifyJournalFindsTheFirstBrokenLine() throws IOException {
        Path req = Requests.write(dir.resolve("req"), 2, null);
        Path out = dir.resolve("signed");
        assertEquals(0, sign(req.toString(), "--key", keyFile.toString(), "--out", out.toString(), "--yes").exitCode());
        Path journal = out.resolve("journal.jsonl");
        CliRun ok = sign("--verify-journal", journal.toString());
        assertEquals(0, ok.exitCode(), ok::toString);
        assertTrue(ok.out().contains("4 lines, hash chain intact"), ok.out());

        List<String> lines = new ArrayList<>(Files.readAllLines(journal, StandardCharsets.UTF_8));
        List<String> edited = new ArrayList<>(lines);
        edited.set(1, edited.get(1).replace("\"signed\"", "\"Signed\""));
        Path e1 = Files.write(dir.resolve("edited.jsonl"), edited);
        CliRun r1 = sign("--verify-journal", e1.toString());
        assertEquals(1, r1.exitCode(), r1::toString);
        assertTrue(r1.errLines()[0].contains("journal broken at line 3: prev is "), r1.err());

        List<String> removed = new ArrayList<>(lines);
        removed.remove(2);
        Path e2 = Files.write(dir.resolve("removed.jsonl"), removed);
        CliRun r2 = sign("--verify-journal", e2.toString());
        assertEquals(1, r2.exitCode(), r2::toString);
        assertEquals("enclaveos-signer: " + e2 + ": journal broken at line 3: seq is 4, expected 3 (a line was removed or moved)",
                r2.errLines()[0]);

        // A ceremony will not append to a broken journal.
        CliRun append = sign(req.toString(), "--key", keyFile.toString(), "--out", out.toString(), "--yes", "--journal",
                e2.toString());
        assertEquals(1, append.exitCode(), append::toString);
    }

    /**
     * Issue 14's first step: the batch digest names exactly the payloads and the policy flags, one line on stdout;
     * prepare prints the same for its requests. The text it is taken over is documented in BatchDigest.
     */
    @Test
    void theBatchDigestNamesThePayloadsAndThePolicyFlags() throws IOException {
        Path req = Requests.write(dir.resolve("req"), 3, null);
        CliRun d = sign(req.toString(), "--print-batch-digest");
        assertEquals(0, d.exitCode(), d::toString);
        assertTrue(d.out().matches("[0-9a-f]{64}\n"), d.out());
        assertEquals(d.out(), sign(req.toString(), "--print-batch-digest").out(), "the same requests, the same digest");
        java.util.List<org.enclaveos.signer.request.SigningRequest> loaded = org.enclaveos.signer.request.RequestSet
                .load(java.util.List.of(req)).stream().map(org.enclaveos.signer.request.RequestSet.Loaded::request).toList();
        String text = org.enclaveos.signer.request.BatchDigest.text(loaded, false, java.util.Set.of());
        assertEquals("enclaveos-ceremony-batch v1\nproduction no\nallow \napp0.sgx1.request.json "
                + Requests.production(0).signingPayloadSha256().hex() + "\n", text.substring(0, text.indexOf("app1")));
        assertEquals(org.enclaveos.signer.sgx.Hash256.sha256(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)).hex()
                + "\n", d.out());
        CliRun production = sign(req.toString(), "--print-batch-digest", "--production");
        CliRun allowed = sign(req.toString(), "--print-batch-digest", "--production", "--allow-attribute", "PROVISIONKEY");
        assertTrue(!production.out().equals(d.out()) && !allowed.out().equals(production.out()), "the flags are in it");
        Path fewer = Requests.write(dir.resolve("fewer"), 2, null);
        assertTrue(!sign(fewer.toString(), "--print-batch-digest").out().equals(d.out()), "the payloads are in it");
    }
}
