package org.enclaveos.signer.signoffline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.crypto.SigningKey;
import org.enclaveos.signer.crypto.SigstructSigner;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.request.RequestSet;
import org.enclaveos.signer.request.RequestWriter;
import org.enclaveos.signer.request.SigningRequest;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.testing.Requests;
import org.enclaveos.signer.testing.TestKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ceremony's plan, review, run, journal and lock, one behaviour at a time. */
class CeremonyUnitTest {
    @TempDir
    Path dir;
    final SigningKey key = TestKeys.key("signer");

    List<RequestSet.Loaded> requests(int n) {
        return RequestSet.load(List.of(Requests.write(dir.resolve("req"), n, null)));
    }

    Ceremony.Result run(Ceremony.Plan plan, Ceremony.Signer signer) throws IOException {
        Files.createDirectories(plan.out()); // the OutputLock makes it in a real ceremony
        Journal j = Journal.open(plan.out().resolve("journal.jsonl"));
        return Ceremony.run(plan, signer, 2, j, "C-1", "PEM k.pem", "v", JsonNodeFactory.instance.objectNode().put("x", "y"));
    }

    @Test
    void theReviewIsExactlyThis() throws IOException {
        SigningRequest image = Requests.request("img", MemoryModel.SGX1, Requests.production(1), key.mrsigner());
        SigningRequest file = new SigningRequest(image.schema(), image.toolVersion(), "file", null,
                SigningRequest.Source.file("sgxs", "/enclaves/a.sgxs", "ab".repeat(32)), null, null, image.mrenclave(),
                "measured-sgxs", null, image.sigstruct(), image.unsignedSigstruct(), image.signingPayload(),
                image.signingPayloadSha256(), null);
        SigningRequest given = SigningRequest.create("t", "given", MemoryModel.SGX2, SigningRequest.Source.given(), null,
                null, "given", null, Requests.debug(2), null);
        Path req = dir.resolve("req");
        RequestWriter.write(req, List.of(image, file, given), false, "t");
        Path out = Files.createDirectories(dir.resolve("out"));
        List<RequestSet.Loaded> loaded = RequestSet.load(List.of(req));
        Files.write(out.resolve("given.sgx2.sigstruct"), SigstructSigner.sign(loaded.get(1).unsigned(), key).toBytes());
        Ceremony.Plan plan = Ceremony.plan(loaded, key.publicKey(), new CeremonyPolicy(false, Set.of()), out);
        StringWriter text = new StringWriter();
        Review.print(new PrintWriter(text), plan, "PEM k.pem", "sign");
        String p1 = Requests.production(1).signingPayloadSha256().hex();
        String expected = String.join("\n", "",
                "Review: 3 request(s), 2 to sign, 1 already signed",
                "Key: PEM k.pem, MRSIGNER " + key.mrsigner(),
                "Tool: " + org.enclaveos.signer.ToolVersion.describe(),
                "",
                " #   ID                           MODEL ISVPRODID ISVSVN DEBUG DATE       STATUS",
                " 1   file                         -     1         1      no    2026-11-26 to sign",
                "     source     sgxs /enclaves/a.sgxs (sha256 " + "ab".repeat(32) + ")",
                "     target     -",
                "     mrenclave  " + Requests.production(1).mrenclave() + " (measured-sgxs)",
                "     attributes FLAGS 0x0000000000000004 (MODE64BIT) XFRM 0x0000000000000007 (X87 SSE AVX)",
                "     attr mask  FLAGS 0xffffffffffffffff (INIT DEBUG MODE64BIT PROVISIONKEY EINITTOKEN_KEY CET KSS AEXNOTIFY other 0xfffffffffffffb08) XFRM 0xffffffffffffff1f (X87 SSE AVX MPX PKRU AMX other 0xfffffffffff9fd00)",
                "     misc       select 0x00000000, mask 0xfffffffe",
                "     payload    sha256 " + p1,
                " 2   given.sgx2                   sgx2  1         2      yes   2026-11-26 already signed",
                "     source     mrenclave",
                "     target     -",
                "     mrenclave  " + Requests.debug(2).mrenclave() + " (given)",
                "     attributes FLAGS 0x0000000000000006 (DEBUG MODE64BIT) XFRM 0x0000000000000007 (X87 SSE AVX)",
                "     attr mask  FLAGS 0xffffffffffffffff (INIT DEBUG MODE64BIT PROVISIONKEY EINITTOKEN_KEY CET KSS AEXNOTIFY other 0xfffffffffffffb08) XFRM 0xffffffffffffff1f (X87 SSE AVX MPX PKRU AMX other 0xfffffffffff9fd00)",
                "     misc       select 0x00000000, mask 0xfffffffe",
                "     payload    sha256 " + Requests.debug(2).signingPayloadSha256(),
                "     WARNING    DEBUG set: launches in debug mode only",
                " 3   img.sgx1                     sgx1  1         1      no    2026-11-26 to sign",
                "     source     registry.example/app:1 @ sha256:" + "ab".repeat(32),
                "     target     registry.example/app:1-signed",
                "     layout     /enclave/app.sgxs (sha256 " + "ef".repeat(32) + ")",
                "     mrenclave  " + Requests.production(1).mrenclave() + " (measured-sgxs)",
                "     attributes FLAGS 0x0000000000000004 (MODE64BIT) XFRM 0x0000000000000007 (X87 SSE AVX)",
                "     attr mask  FLAGS 0xffffffffffffffff (INIT DEBUG MODE64BIT PROVISIONKEY EINITTOKEN_KEY CET KSS AEXNOTIFY other 0xfffffffffffffb08) XFRM 0xffffffffffffff1f (X87 SSE AVX MPX PKRU AMX other 0xfffffffffff9fd00)",
                "     misc       select 0x00000000, mask 0xfffffffe",
                "     pinned     MRSIGNER " + key.mrsigner(),
                "     payload    sha256 " + p1,
                "", "");
        assertEquals(expected, text.toString());
        StringWriter prod = new StringWriter();
        Ceremony.Plan production = new Ceremony.Plan(plan.items(), null, new CeremonyPolicy(true, Set.of()), out);
        Review.print(new PrintWriter(prod), production, "none", "export");
        assertTrue(prod.toString().startsWith("\nReview: 3 request(s), 2 to export, 1 already signed (production ceremony)\n"
                + "Key: none\n"), prod.toString());
        assertEquals(2, plan.toSign());
    }

    /** The review reaches a writer that flushes at every line end in blocks, not line by line (whole, in order). */
    @Test
    void theReviewIsWrittenInBlocks() {
        List<RequestSet.Loaded> loaded = requests(200);
        Ceremony.Plan plan = Ceremony.plan(loaded, key.publicKey(), new CeremonyPolicy(false, Set.of()), dir.resolve("out"));
        List<Integer> writes = new java.util.ArrayList<>();
        StringWriter text = new StringWriter();
        PrintWriter terminal = new PrintWriter(new java.io.Writer() {
            @Override
            public void write(char[] b, int off, int len) {
                writes.add(len);
                text.write(b, off, len);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        }, true);
        Review.print(terminal, plan, "PEM k.pem", "sign");
        StringWriter direct = new StringWriter();
        Review.print(new PrintWriter(direct), plan, "PEM k.pem", "sign");
        assertEquals(direct.toString(), text.toString());
        assertTrue(writes.size() <= text.toString().length() / (1 << 16) + 2, writes.size() + " writes");
    }

    @Test
    void aSignerThatReturnsAnotherKeysSignatureIsRefusedBeforeAnythingIsWritten() {
        List<RequestSet.Loaded> loaded = requests(1);
        Path out = dir.resolve("out");
        Ceremony.Plan plan = Ceremony.plan(loaded, key.publicKey(), new CeremonyPolicy(false, Set.of()), out);
        SigningKey other = TestKeys.key("other");
        SignerException e = assertThrows(SignerException.class, () -> run(plan, l -> SigstructSigner.sign(l.unsigned(), other)));
        assertEquals(ErrorKind.VERIFICATION_FAILED, e.kind());
        assertEquals("app0.sgx1: the signer returned a SIGSTRUCT by " + other.mrsigner() + ", not by the reviewed key "
                + key.mrsigner(), e.getMessage());
        assertFalse(Files.exists(out.resolve("app0.sgx1.sigstruct")));
    }

    @Test
    void theJournalRecordsTheKeyThePolicyAndTheContextAndStaleTempsOfOurOutputsGo() throws IOException {
        List<RequestSet.Loaded> loaded = requests(2);
        Path out = Files.createDirectories(dir.resolve("out"));
        Path stale = Files.write(out.resolve(".app1.sgx1.sigstruct.4711.tmp"), new byte[] {1});
        Path foreign = Files.write(out.resolve(".notes.tmp"), new byte[] {1});
        Ceremony.Plan plan = Ceremony.plan(loaded, key.publicKey(), new CeremonyPolicy(true, Set.of("PROVISIONKEY")), out);
        Ceremony.Result r = run(plan, l -> SigstructSigner.sign(l.unsigned(), key));
        assertEquals(new Ceremony.Result(2, 0), r);
        assertFalse(Files.exists(stale));
        assertTrue(Files.exists(foreign));
        List<String> lines = Files.readAllLines(out.resolve("journal.jsonl"));
        assertEquals(4, lines.size());
        String start = lines.get(0);
        for (String field : new String[] {"\"event\":\"ceremony-start\"", "\"ceremonyId\":\"C-1\"",
            "\"mrsigner\":\"" + key.mrsigner().hex() + "\"", "\"key\":\"PEM k.pem\"", "\"production\":true",
            "\"allowedAttributes\":[\"PROVISIONKEY\"]", "\"x\":\"y\"",
            "\"signingPayloadSha256\":\"" + loaded.get(1).unsigned().signingPayloadSha256().hex() + "\""}) {
            assertTrue(start.contains(field), field + " in " + start);
        }
        Sigstruct written = Sigstruct.read(out.resolve("app1.sgx1.sigstruct"));
        assertTrue(lines.get(2).contains("\"sigstructSha256\":\"" + Hash256.sha256(written.toBytes()).hex() + "\""), lines.get(2));
        assertTrue(lines.get(3).contains("\"event\":\"ceremony-end\"") && lines.get(3).contains("\"signed\":2"), lines.get(3));
    }

    @Test
    void whatFinishedBeforeAFailureIsJournaledAndTheFailureToo() throws IOException {
        List<RequestSet.Loaded> loaded = requests(3);
        Path out = dir.resolve("out");
        Ceremony.Plan plan = Ceremony.plan(loaded, key.publicKey(), new CeremonyPolicy(false, Set.of()), out);
        SignerException e = assertThrows(SignerException.class, () -> run(plan, l -> {
            if (l.id().equals("app0.sgx1")) {
                // app1 is done and app2 has failed by the time app0 is: the failure path must journal app0 and app1.
                try {
                    Thread.sleep(500);
                } catch (InterruptedException ex) {
                    throw new AssertionError(ex);
                }
            }
            if (l.id().equals("app2.sgx1")) {
                throw new SignerException(ErrorKind.KEY, "the token went away");
            }
            return SigstructSigner.sign(l.unsigned(), key);
        }));
        assertEquals("the token went away", e.getMessage());
        String journal = Files.readString(out.resolve("journal.jsonl"));
        List<String> signed = Files.readAllLines(out.resolve("journal.jsonl")).stream()
                .filter(l -> l.contains("\"event\":\"signed\"")).toList();
        assertEquals(2, signed.size(), journal);
        assertTrue(signed.get(0).contains("\"id\":\"app0.sgx1\"") && signed.get(1).contains("\"id\":\"app1.sgx1\""), journal);
        assertTrue(journal.contains("\"event\":\"ceremony-failed\"") && journal.contains("\"signed\":2"), journal);
        assertEquals(List.of(), leftovers(out));
    }

    private static List<String> leftovers(Path out) throws IOException {
        try (var s = Files.list(out)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList();
        }
    }

    @Test
    void aTornLastLineIsDroppedAndRecordedAndVerifyNamesTheBrokenLine() throws IOException {
        Path file = dir.resolve("journal.jsonl");
        Journal j = Journal.open(file);
        j.append("a", Journal.fields().put("n", 1));
        j.append("b", Journal.fields().put("n", 2));
        String anchor = j.lastHash();
        assertEquals(Hash256.sha256(Files.readAllLines(file).get(1).getBytes(java.nio.charset.StandardCharsets.UTF_8)).hex(),
                anchor);
        byte[] whole = Files.readAllBytes(file);
        Files.write(file, "{\"seq\":3,\"half".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                java.nio.file.StandardOpenOption.APPEND);
        SignerException torn = assertThrows(SignerException.class, () -> Journal.verify(file));
        assertEquals(file + ": journal broken at line 3: the line is incomplete (no newline): an interrupted write or a "
                + "truncated file", torn.getMessage());
        Journal reopened = Journal.open(file);
        byte[] after = Files.readAllBytes(file);
        assertEquals(new String(whole, java.nio.charset.StandardCharsets.UTF_8),
                new String(after, 0, whole.length, java.nio.charset.StandardCharsets.UTF_8), "the verified lines are kept");
        List<String> lines = Files.readAllLines(file);
        assertEquals(3, lines.size());
        assertTrue(lines.get(2).contains("\"event\":\"journal-recovered\"") && lines.get(2).contains("\"droppedBytes\":14")
                && lines.get(2).contains("\"prev\":\"" + anchor + "\""), lines.get(2));
        assertEquals(3, Journal.verify(file).lines());
        assertEquals(reopened.lastHash(), Journal.verify(file).lastHash());
        // An edited middle line: the next line names it.
        List<String> edited = new java.util.ArrayList<>(lines);
        edited.set(0, edited.get(0).replace("\"n\":1", "\"n\":7"));
        Files.write(file, edited);
        SignerException broken = assertThrows(SignerException.class, () -> Journal.verify(file));
        assertTrue(broken.getMessage().startsWith(file + ": journal broken at line 2: prev is "), broken.getMessage());
        assertTrue(broken.getMessage().contains(", but the SHA-256 of line 1 is "), broken.getMessage());
        Files.write(file, List.of(lines.get(1)));
        SignerException first = assertThrows(SignerException.class, () -> Journal.verify(file));
        assertTrue(first.getMessage().contains("journal broken at line 1: seq is 2, expected 1"), first.getMessage());
        SignerException notAFile = assertThrows(SignerException.class, () -> Journal.verify(dir));
        assertEquals(ErrorKind.IO, notAFile.kind());
        assertEquals(dir + ": not a regular file (a journal is expected; pipes, devices and directories are refused)",
                notAFile.getMessage());
        // A NUL byte is a character like any other: never taken for the end of the file.
        Files.write(file, (lines.get(0) + "\n\0\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertTrue(assertThrows(SignerException.class, () -> Journal.verify(file)).getMessage()
                .endsWith("journal broken at line 2: not a JSON object"));
        Files.write(file, (lines.get(0) + "\n{\0").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertTrue(assertThrows(SignerException.class, () -> Journal.verify(file)).getMessage()
                .endsWith("journal broken at line 2: the line is incomplete (no newline): an interrupted write or a "
                        + "truncated file"));
    }

    @Test
    void aLockThatCannotTakeItsSecondDirectoryReleasesTheFirst() {
        Path out = dir.resolve("out");
        Path elsewhere = dir.resolve("journals");
        try (OutputLock other = OutputLock.acquire(elsewhere, elsewhere.resolve("j.jsonl"))) {
            assertThrows(SignerException.class, () -> OutputLock.acquire(out, elsewhere.resolve("j.jsonl")));
            // out was locked first, then released when the journal's directory could not be locked.
            try (OutputLock again = OutputLock.acquire(out, out.resolve("journal.jsonl"))) {
                assertTrue(Files.exists(out.resolve(OutputLock.FILE_NAME)));
            }
        }
        assertFalse(Files.exists(out), "a directory the lock made and nothing used is removed again");
    }

    /**
     * Journal lines are committed in groups of at most {@link Ceremony#COMMIT_GROUP} (one directory and one journal
     * flush each), and every request is journaled once, in request order, across the groups. The progress task sees
     * one advance per commit. The signatures are made beforehand, so groups fill.
     */
    @Test
    void finishedRequestsAreJournaledInOrderInGroups() throws IOException {
        int n = Ceremony.PROGRESS_FROM + 1; // the progress task is where the commits show
        List<RequestSet.Loaded> loaded = requests(n);
        java.util.Map<String, Sigstruct> made = new java.util.HashMap<>();
        loaded.forEach(l -> made.put(l.id(), SigstructSigner.sign(l.unsigned(), key)));
        Path out = Files.createDirectories(dir.resolve("out"));
        List<Long> commits = new java.util.concurrent.CopyOnWriteArrayList<>();
        org.enclaveos.signer.io.Progress recording = (label, total, unit) -> new org.enclaveos.signer.io.Progress.Task() {
            @Override
            public void advance(long amount) {
                commits.add(amount);
            }

            @Override
            public void finish() {
            }
        };
        Ceremony.Plan plan = Ceremony.plan(loaded, key.publicKey(), new CeremonyPolicy(false, Set.of()), out);
        Ceremony.run(plan, l -> made.get(l.id()), 2, Journal.open(out.resolve("journal.jsonl")), "C", "k", "v",
                JsonNodeFactory.instance.objectNode(), recording);
        // Groups fill here (101 requests: 32, 32, 32, 5) unless a flush takes longer than the commit delay on a busy machine.
        assertEquals(n, commits.stream().mapToLong(Long::longValue).sum(), commits.toString());
        assertTrue(commits.stream().allMatch(c -> c <= Ceremony.COMMIT_GROUP), commits.toString());
        assertTrue(commits.size() < n / 2, "lines are committed in groups: " + commits);
        List<String> ids = Files.readAllLines(out.resolve("journal.jsonl")).stream().filter(l -> l.contains("\"event\":\"signed\""))
                .map(l -> l.replaceAll(".*\"id\":\"([^\"]*)\".*", "$1")).toList();
        assertEquals(loaded.stream().map(RequestSet.Loaded::id).toList(), ids);
        assertEquals(n + 2, Journal.verify(out.resolve("journal.jsonl")).lines());
    }

    /**
     * A group does not wait for a slow signer (a token): the first finished request is journaled about
     * {@link Ceremony#COMMIT_DELAY_NANOS} later although the group is not full. Here the second request's
     * signature waits until the first request's line is in the journal; a group that waited to fill would
     * never get there.
     */
    @Test
    void aSlowSignerDoesNotHoldBackTheJournal() throws IOException {
        List<RequestSet.Loaded> loaded = requests(3);
        Path out = Files.createDirectories(dir.resolve("out"));
        Path journal = out.resolve("journal.jsonl");
        Ceremony.Plan plan = Ceremony.plan(loaded, key.publicKey(), new CeremonyPolicy(false, Set.of()), out);
        Ceremony.Result r = Ceremony.run(plan, l -> {
            if (!l.id().equals("app0.sgx1")) {
                long giveUp = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
                try {
                    while (!Files.readString(journal).contains("\"event\":\"signed\",\"ceremonyId\":\"C\",\"id\":\"app0.sgx1\"")) {
                        if (System.nanoTime() > giveUp) {
                            throw new SignerException(ErrorKind.KEY, "app0.sgx1 was not journaled while " + l.id() + " was signed");
                        }
                        Thread.sleep(10);
                    }
                } catch (IOException | InterruptedException e) {
                    throw new AssertionError(e);
                }
            }
            return SigstructSigner.sign(l.unsigned(), key);
        }, 1, Journal.open(journal), "C", "k", "v", JsonNodeFactory.instance.objectNode());
        assertEquals(new Ceremony.Result(3, 0), r);
    }

    /** Issue 13, item 4: a ceremony of more than 100 requests reports its progress; a smaller one does not. */
    @Test
    void aLongCeremonyReportsItsProgress() throws IOException {
        for (int n : new int[] {Ceremony.PROGRESS_FROM, Ceremony.PROGRESS_FROM + 1}) {
            List<String> events = new java.util.ArrayList<>();
            org.enclaveos.signer.io.Progress recording = (label, total, unit) -> {
                events.add("start " + label + " " + total + " " + unit);
                return new org.enclaveos.signer.io.Progress.Task() {
                    long done;

                    @Override
                    public void advance(long amount) {
                        done += amount;
                    }

                    @Override
                    public void finish() {
                        events.add("finish " + done);
                    }
                };
            };
            Path req = Requests.write(dir.resolve("req" + n), n, null);
            Path out = Files.createDirectories(dir.resolve("out" + n));
            Ceremony.Plan plan = Ceremony.plan(RequestSet.load(List.of(req)), key.publicKey(),
                    new CeremonyPolicy(false, Set.of()), out);
            Ceremony.run(plan, l -> SigstructSigner.sign(l.unsigned(), key), 2, Journal.open(out.resolve("journal.jsonl")),
                    "C", "k", "v", JsonNodeFactory.instance.objectNode(), recording);
            assertEquals(n > Ceremony.PROGRESS_FROM ? List.of("start signing " + n + " ITEMS", "finish " + n) : List.of(),
                    events);
        }
    }
}
