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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.enclaveos.signer.cli.CliRun;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.testing.Requests;
import org.junit.jupiter.api.Test;

/**
 * The printed record (issue 14): made from the journal alone, the same bytes at the end of the
 * ceremony and later, every fact from the journal, hostile text escaped, nothing that could load or run.
 */
class CeremonyRecordTest extends CeremonyFixture {
    static final String NOTE = "<script>alert('x')</script> & \"spare\" HSM used";

    /** A ceremony over {@code count} requests with participants, notes and a record; returns its stdout. */
    static CliRun ceremony(Path requests, Path out, Path record, String id, String... extra) {
        List<String> args = new ArrayList<>(List.of(requests.toString(), "--key", keyFile.toString(), "--out",
                out.toString(), "--yes", "--operator", "Olga Operator", "--witness", "Wim Witness", "--witness",
                "Wanda <W> Witness", "--location", "Vault 2, Zurich", "--note", NOTE, "--ceremony-id", id));
        if (record != null) {
            args.addAll(List.of("--record", record.toString()));
        }
        args.addAll(List.of(extra));
        return sign(args.toArray(String[]::new));
    }

    static String journalHash(CliRun r) {
        Matcher m = Pattern.compile("journal last line sha256 ([0-9a-f]{64})").matcher(r.out());
        assertTrue(m.find(), r.out());
        return m.group(1);
    }

    @Test
    void theRecordHoldsTheJournalsFactsAndIsTheSameMadeLater() throws IOException {
        Path req = Requests.write(dir.resolve("req"), 3, null);
        Path out = dir.resolve("signed");
        Path record = dir.resolve("ceremony.html");
        CliRun r = ceremony(req, out, record, "2026-11-30-a");
        assertEquals(0, r.exitCode(), r::toString);
        String html = Files.readString(record);

        assertTrue(html.contains(key.mrsigner().hex()), "MRSIGNER");
        for (int i = 0; i < 3; i++) {
            Sigstruct s = Sigstruct.read(out.resolve("app" + i + ".sgx1.sigstruct"));
            assertTrue(html.contains(s.mrenclave().hex()), "MRENCLAVE of app" + i);
            assertTrue(html.contains(s.signingPayloadSha256().hex()), "payload of app" + i);
            assertTrue(html.contains(org.enclaveos.signer.sgx.Hash256.ofFile(out.resolve("app" + i + ".sgx1.sigstruct")).hex()),
                    "SIGSTRUCT SHA-256 of app" + i);
        }
        assertTrue(html.contains("<p class=\"hex\" id=\"journal-hash\">" + journalHash(r) + "</p>"), "journal hash");
        assertTrue(html.contains("Olga Operator") && html.contains("Wim Witness") && html.contains("Vault 2, Zurich"));
        assertTrue(html.contains("Witness: Wanda &lt;W&gt; Witness<br>"), "a signature line per witness, escaped");
        assertTrue(html.contains("<li>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;spare&quot; HSM used</li>"),
                html);
        assertTrue(html.contains(org.enclaveos.signer.ToolVersion.jarSha256()) || html.contains("jar sha256"), "tool");

        // Nothing that runs or loads: no script element, no URL but the SVG namespace, a CSP forbidding fetches.
        assertFalse(html.toLowerCase(java.util.Locale.ROOT).contains("<script"), "no script element");
        for (String loads : new String[] {"src=", "href=", "url(", "@import", "<link", "<iframe", "<object", "<img"}) {
            assertFalse(html.contains(loads), loads);
        }
        assertEquals(List.of("http://www.w3.org/2000/svg"), urls(html));
        assertTrue(html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                + "style-src 'unsafe-inline'\">"));

        // Later, from the journal: the same bytes, and the tool says what it wrote.
        Path later = dir.resolve("later.html");
        CliRun again = sign("--record-from-journal", out.resolve("journal.jsonl").toString(), "--out", later.toString());
        assertEquals(0, again.exitCode(), again::toString);
        assertArrayEquals(Files.readAllBytes(record), Files.readAllBytes(later));
        assertEquals("wrote " + later + ": ceremony 2026-11-30-a, 3 requests, 3 pages; journal line sha256 "
                + journalHash(r), again.out().trim());
    }

    @Test
    void aLaterCeremonyInTheSameJournalIsChosenByIdOrByDefault() throws IOException {
        Path out = dir.resolve("signed");
        Path first = dir.resolve("first.html");
        assertEquals(0, ceremony(Requests.write(dir.resolve("a"), 1, null), out, first, "first").exitCode());
        Path second = dir.resolve("second.html");
        Path reqB = dir.resolve("b");
        Files.createDirectories(reqB);
        org.enclaveos.signer.request.RequestWriter.write(reqB, List.of(Requests.request("other",
                org.enclaveos.signer.request.MemoryModel.SGX1, Requests.production(7), null)), false, "test");
        assertEquals(0, ceremony(reqB, out, second, "second").exitCode());
        Path journal = out.resolve("journal.jsonl");

        Path byId = dir.resolve("by-id.html");
        assertEquals(0, sign("--record-from-journal", journal.toString(), "--ceremony-id", "first", "--out",
                byId.toString()).exitCode());
        assertArrayEquals(Files.readAllBytes(first), Files.readAllBytes(byId));
        Path last = dir.resolve("last.html");
        assertEquals(0, sign("--record-from-journal", journal.toString(), "--out", last.toString()).exitCode());
        assertArrayEquals(Files.readAllBytes(second), Files.readAllBytes(last));
        assertFalse(Files.readString(first).contains("other"), "the first record holds only its own ceremony");

        CliRun none = sign("--record-from-journal", journal.toString(), "--ceremony-id", "third", "--out",
                dir.resolve("none.html").toString());
        assertEquals(2, none.exitCode(), none::toString);
        assertEquals("enclaveos-signer: " + journal + ": no ceremony third in this journal", none.lastErrLine());
    }

    @Test
    void aChangedJournalGivesNoRecord() throws IOException {
        Path out = dir.resolve("signed");
        assertEquals(0, ceremony(Requests.write(dir.resolve("req"), 1, null), out, null, "c").exitCode());
        Path journal = out.resolve("journal.jsonl");
        String text = Files.readString(journal);
        Files.writeString(journal, text.replace("Vault 2", "Vault 3"));
        Path record = dir.resolve("r.html");
        CliRun r = sign("--record-from-journal", journal.toString(), "--out", record.toString());
        assertEquals(1, r.exitCode(), r::toString);
        // The edited line is the first (the ceremony-start); the second names its hash as prev.
        assertTrue(r.lastErrLine().startsWith("enclaveos-signer: " + journal + ": journal broken at line 2: prev is "),
                r.err());
        assertTrue(Files.notExists(record), "nothing written");
    }

    @Test
    void aRecordFileThatExistsIsRefusedBeforeAnythingIsSigned() throws IOException {
        Path record = Files.writeString(dir.resolve("taken.html"), "minutes");
        Path out = dir.resolve("signed");
        CliRun r = ceremony(Requests.write(dir.resolve("req"), 1, null), out, record, "c");
        assertEquals(6, r.exitCode(), r::toString);
        assertEquals("enclaveos-signer: " + record + ": already exists; not overwritten", r.lastErrLine());
        assertTrue(Files.notExists(out), "nothing signed");
        assertEquals("minutes", Files.readString(record));
        CliRun dry = ceremony(Requests.write(dir.resolve("req2"), 1, null), out, dir.resolve("new.html"), "c", "--dry-run");
        assertEquals(2, dry.exitCode(), dry::toString);
    }

    @Test
    void pagesFollowFromTheRequestCount() {
        assertEquals(3, CeremonyRecord.pages(0));
        assertEquals(3, CeremonyRecord.pages(1));
        assertEquals(3, CeremonyRecord.pages(CeremonyRecord.REQUESTS_PER_PAGE));
        assertEquals(4, CeremonyRecord.pages(CeremonyRecord.REQUESTS_PER_PAGE + 1));
        assertEquals(86, CeremonyRecord.pages(500), "6 requests a page");
    }

    /**
     * Every byte of the page for a journal with every field set: two pages of requests (one DEBUG, one
     * already signed), approvals, witnesses, notes, a policy. Regenerate after a deliberate change with
     * -Drecord.golden=update and look at it in a browser before committing.
     */
    @Test
    void aFixedJournalPrintsExactlyTheGoldenPage() throws IOException {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        List<org.enclaveos.signer.journal.JournalChain.Line> lines = new ArrayList<>();
        com.fasterxml.jackson.databind.node.ObjectNode start = json.createObjectNode();
        start.put("seq", 41).put("time", "2026-11-30T09:00:00Z").put("event", "ceremony-start").put("ceremonyId", "2026-11-30-A")
                .put("mrsigner", "83".repeat(32)).put("key", "PKCS#11 hsm.cfg alias sgx-prod").put("production", true)
                .put("tool", "0.1.0 (commit abc, built 2026-11-29, jar sha256 " + "12".repeat(32) + ")")
                .put("policy", "policy.json").put("policySha256", "34".repeat(32)).put("policyMode", "enforce")
                .put("operator", "Dana Operator").put("location", "vault B").put("keyFileSha256", "56".repeat(32))
                .put("batchDigest", "78".repeat(32)).put("approvalsRequired", 2).put("allowedSigners", "allowed_signers");
        start.putArray("witnesses").add("Eve").add("Frank <F>");
        start.putArray("notes").add("spare laptop used: #2 failed its self-test").add("started 10 minutes late");
        start.putArray("approvals").addObject().put("file", "alice.sig").put("principals", "alice@example.com")
                .put("keyType", "ssh-ed25519").put("fingerprint", "SHA256:abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ");
        lines.add(new org.enclaveos.signer.journal.JournalChain.Line(41, start, "a0".repeat(32)));
        for (int i = 0; i < CeremonyRecord.REQUESTS_PER_PAGE + 1; i++) {
            com.fasterxml.jackson.databind.node.ObjectNode r = json.createObjectNode();
            r.put("seq", 42 + i).put("time", "2026-11-30T09:01:0" + i + "Z").put("event", i == 2 ? "already-signed" : "signed")
                    .put("ceremonyId", "2026-11-30-A").put("id", "app" + i + ".sgx1").put("sigstruct", "app" + i + ".sgx1.sigstruct")
                    .put("mrenclave", String.format("%064x", i + 1)).put("isvProdId", 7).put("isvSvn", i).put("debug", i == 1)
                    .put("signingPayloadSha256", String.format("%064x", 100 + i)).put("sigstructSha256", String.format("%064x", 200 + i));
            r.putObject("attributes").put("flags", i == 1 ? "0x0000000000000006" : "0x0000000000000004").put("xfrm", "0x0000000000000003");
            lines.add(new org.enclaveos.signer.journal.JournalChain.Line(42 + i, r, String.format("%064x", 300 + i)));
        }
        com.fasterxml.jackson.databind.node.ObjectNode end = json.createObjectNode();
        end.put("seq", 49).put("time", "2026-11-30T09:02:00Z").put("event", "ceremony-end").put("ceremonyId", "2026-11-30-A")
                .put("signed", 6).put("alreadySigned", 1);
        lines.add(new org.enclaveos.signer.journal.JournalChain.Line(49, end, "f0".repeat(32)));

        String html = CeremonyRecord.html(new CeremonyRecord.Lines(lines, "f0".repeat(32)));
        Path golden = Path.of("src/test/resources/ceremony-record.golden.html");
        if ("update".equals(System.getProperty("record.golden"))) {
            Files.createDirectories(golden.getParent());
            Files.writeString(golden, html);
        }
        assertEquals(Files.readString(golden), html);
    }

    @Test
    void aJournalEndingInATornLineOrNotAFileGivesNoRecord() throws IOException {
        Path out = dir.resolve("signed");
        assertEquals(0, ceremony(Requests.write(dir.resolve("req"), 1, null), out, null, "c").exitCode());
        Path journal = out.resolve("journal.jsonl");
        Files.writeString(journal, "{\"seq\":", java.nio.file.StandardOpenOption.APPEND);
        CliRun torn = sign("--record-from-journal", journal.toString(), "--out", dir.resolve("r.html").toString());
        assertEquals(1, torn.exitCode(), torn::toString);
        assertEquals("enclaveos-signer: " + journal + ": journal broken at line 4: the line is incomplete (no newline)",
                torn.lastErrLine());
        CliRun dirAsJournal = sign("--record-from-journal", out.toString(), "--out", dir.resolve("r.html").toString());
        assertEquals(3, dirAsJournal.exitCode(), dirAsJournal::toString);
        assertTrue(dirAsJournal.lastErrLine().contains("not a regular file"), dirAsJournal.err());
        CliRun missing = sign("--record-from-journal", dir.resolve("none.jsonl").toString(), "--out",
                dir.resolve("r.html").toString());
        assertEquals(3, missing.exitCode(), missing::toString);
        assertTrue(Files.notExists(dir.resolve("r.html")));
    }

    private static List<String> urls(String html) {
        List<String> found = new ArrayList<>();
        Matcher m = Pattern.compile("[a-z]+://[^\"' <>]+").matcher(html);
        while (m.find()) {
            found.add(m.group());
        }
        return found;
    }

    static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
