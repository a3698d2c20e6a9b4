package org.enclaveos.signer.signoffline;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.zxing.EncodeHintType;
import com.google.zxing.WriterException;
import com.google.zxing.qrcode.decoder.ErrorCorrectionLevel;
import com.google.zxing.qrcode.encoder.ByteMatrix;
import com.google.zxing.qrcode.encoder.Encoder;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.io.AtomicFiles;
import org.enclaveos.signer.io.TerminalText;
import org.enclaveos.signer.journal.JournalChain;

/**
 * The printed ceremony record: one self-contained HTML file for A4, to be printed and signed by hand.
 * It is made from the journal alone (the chain checked first), so the record written at the end of a
 * ceremony and one made from the journal later are the same bytes, and every fact on paper is one the
 * journal holds. No script and nothing loaded: styles inline, the QR code of the journal hash as
 * inline SVG, a Content-Security-Policy that forbids every fetch. Text from the journal is escaped as
 * on the review screen, then for HTML.
 *
 * <p>Layout, fixed so the page count follows from the request count: page 1 the ceremony (tool, key,
 * participants, approvals), then {@value #REQUESTS_PER_PAGE} requests per page, then the closing
 * page (deviations, the journal hash in hex and as a QR code, a signature line per participant).
 */
public final class CeremonyRecord {
    static final int REQUESTS_PER_PAGE = 6;

    private CeremonyRecord() {
    }

    /** One ceremony's journal lines, from its ceremony-start to its end, and the SHA-256 of the last. */
    public record Lines(List<JournalChain.Line> lines, String lastLineSha256) {
        JsonNode start() {
            return lines.get(0).fields();
        }

        JournalChain.Line last() {
            return lines.get(lines.size() - 1);
        }

        List<JsonNode> requests() {
            return lines.stream().filter(l -> l.event().equals("signed") || l.event().equals("already-signed"))
                    .map(JournalChain.Line::fields).toList();
        }
    }

    /** Pages the record prints on: the ceremony page, the request pages, the closing page. */
    public static int pages(int requests) {
        return 2 + Math.max(1, (requests + REQUESTS_PER_PAGE - 1) / REQUESTS_PER_PAGE);
    }

    /** Reads and checks the whole journal and writes the record of one ceremony (the last when id is null). */
    public static Lines write(Path journal, String ceremonyId, Path out) {
        Lines lines = read(journal, ceremonyId);
        AtomicFiles.createNew(out, html(lines).getBytes(StandardCharsets.UTF_8), false);
        return lines;
    }

    /**
     * The lines of the ceremony whose ceremony-start has {@code ceremonyId} (the last ceremony when
     * null), after checking the chain of the whole journal: a record must not print a hash the journal
     * does not end a verified chain with.
     */
    public static Lines read(Path journal, String ceremonyId) {
        // Only the ceremony being read and the one chosen so far are held: memory does not grow with the journal.
        final class Pick {
            List<JournalChain.Line> current;
            List<JournalChain.Line> chosen;
            boolean open;
        }
        Pick pick = new Pick();
        JournalChain.Walked walked = JournalChain.walk(journal, "", (line, raw) -> {
            // One ceremony at a time writes a journal (the output lock): a ceremony's lines run from its
            // ceremony-start to its ceremony-end or ceremony-failed.
            if (line.event().equals("ceremony-start")) {
                pick.current = new ArrayList<>(List.of(line));
                pick.open = true;
                if (ceremonyId == null || ceremonyId.equals(line.fields().path("ceremonyId").asText(null))) {
                    pick.chosen = pick.current;
                }
            } else if (pick.open) {
                pick.current.add(line);
                pick.open = !line.event().equals("ceremony-end") && !line.event().equals("ceremony-failed");
            }
            return true;
        });
        if (walked.torn() != null) {
            throw JournalChain.broken(journal.toString(), walked.lines() + 1, "the line is incomplete (no newline)");
        }
        List<JournalChain.Line> chosen = pick.chosen;
        if (chosen == null) {
            throw new SignerException(ErrorKind.USAGE, journal + ": " + (ceremonyId == null ? "no ceremony in this journal"
                    : "no ceremony " + ceremonyId + " in this journal"));
        }
        return new Lines(List.copyOf(chosen), chosen.get(chosen.size() - 1).hash());
    }

    /** The record as one HTML document. */
    public static String html(Lines c) {
        JsonNode start = c.start();
        JournalChain.Line last = c.last();
        List<JsonNode> requests = c.requests();
        StringBuilder h = new StringBuilder(16384);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
                .append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n")
                .append("<title>SGX signing ceremony ").append(text(start.path("ceremonyId"))).append("</title>\n<style>\n")
                .append("@page { size: A4; margin: 14mm 14mm 16mm 14mm; }\n")
                .append("body { font: 10pt/1.35 'DejaVu Serif', serif; color: #000; margin: 0; }\n")
                .append(".page { break-after: page; page-break-after: always; }\n.page:last-child { break-after: auto; }\n")
                .append("h1 { font-size: 15pt; margin: 0 0 4mm; } h2 { font-size: 11.5pt; margin: 5mm 0 2mm; }\n")
                .append("table { border-collapse: collapse; width: 100%; } td, th { text-align: left; vertical-align: top;")
                .append(" padding: 1mm 2mm; border-bottom: 0.3pt solid #888; }\nth { width: 34mm; font-weight: bold; }\n")
                .append(".hex { font: 8.4pt 'DejaVu Sans Mono', monospace; word-break: break-all; }\n")
                .append(".req { border: 0.6pt solid #000; margin: 0 0 3mm; padding: 1.5mm 2mm; break-inside: avoid; }\n")
                .append(".req td, .req th { border: 0; padding: 0.3mm 1.5mm; }\n")
                .append(".sign { display: flex; gap: 10mm; margin-top: 9mm; } .sign div { flex: 1; border-top: 0.6pt solid #000;")
                .append(" padding-top: 1mm; }\n.qr { width: 46mm; height: 46mm; }\nfooter { font-size: 8pt; margin-top: 4mm; }\n")
                .append("</style></head><body>\n");

        h.append("<section class=\"page\">\n<h1>SGX enclave signing ceremony</h1>\n<table>\n");
        row(h, "Ceremony", text(start.path("ceremonyId")), false);
        row(h, "Started", text(start.path("time")), false);
        row(h, "Ended", text(last.fields().path("time")) + " (" + text(last.fields().path("event")) + ")", false);
        row(h, "Location", text(start.path("location")), false);
        row(h, "Operator", text(start.path("operator")), false);
        row(h, "Witnesses", join(start.path("witnesses")), false);
        row(h, "Tool", text(start.path("tool")), false);
        row(h, "Key", text(start.path("key")), false);
        if (start.has("keyFileSha256")) {
            row(h, "Key file SHA-256", text(start.path("keyFileSha256")), true);
        }
        row(h, "MRSIGNER", text(start.path("mrsigner")), true);
        row(h, "Policy", (start.path("production").asBoolean() ? "production (DEBUG refused)" : "debug allowed")
                + (start.has("policy") ? "; " + text(start.path("policy")) + " (" + text(start.path("policyMode")) + ")" : ""),
                false);
        if (start.has("policySha256")) {
            row(h, "Policy SHA-256", text(start.path("policySha256")), true);
        }
        row(h, "Requests", requests.size() + " (" + last.fields().path("signed").asInt() + " signed, "
                + last.fields().path("alreadySigned").asInt() + " already signed)", false);
        row(h, "Batch digest", text(start.path("batchDigest")), true);
        h.append("</table>\n<h2>Approvals</h2>\n");
        JsonNode approvals = start.path("approvals");
        if (approvals.isEmpty()) {
            h.append("<p>None required.</p>\n");
        } else {
            h.append("<p>").append(approvals.size()).append(" distinct approver keys (")
                    .append(text(start.path("approvalsRequired"))).append(" required), signing the batch digest; ")
                    .append("allowed signers ").append(text(start.path("allowedSigners"))).append("</p>\n<table>\n");
            for (JsonNode a : approvals) {
                row(h, text(a.path("principals")), text(a.path("keyType")) + " <span class=\"hex\">"
                        + text(a.path("fingerprint")) + "</span> (" + text(a.path("file")) + ")", false);
            }
            h.append("</table>\n");
        }
        h.append("</section>\n");

        int pages = Math.max(1, (requests.size() + REQUESTS_PER_PAGE - 1) / REQUESTS_PER_PAGE);
        for (int p = 0; p < pages; p++) {
            h.append("<section class=\"page\">\n<h2>Requests ").append(p * REQUESTS_PER_PAGE + (requests.isEmpty() ? 0 : 1))
                    .append("-").append(Math.min(requests.size(), (p + 1) * REQUESTS_PER_PAGE)).append(" of ")
                    .append(requests.size()).append(" (hashes are SHA-256)</h2>\n");
            for (JsonNode r : requests.subList(p * REQUESTS_PER_PAGE, Math.min(requests.size(), (p + 1) * REQUESTS_PER_PAGE))) {
                JsonNode attributes = r.path("attributes");
                h.append("<div class=\"req\"><table>\n");
                row(h, "Request", text(r.path("id")) + " &rarr; " + text(r.path("sigstruct")) + " ("
                        + ("signed".equals(r.path("event").asText()) ? "signed" : "already signed") + ")", false);
                row(h, "MRENCLAVE", text(r.path("mrenclave")), true);
                row(h, "Identity", "ISVPRODID " + text(r.path("isvProdId")) + ", ISVSVN " + text(r.path("isvSvn"))
                        + ", DEBUG " + (r.path("debug").asBoolean() ? "<b>yes</b>" : "no") + ", attributes "
                        + text(attributes.path("flags")) + "/" + text(attributes.path("xfrm")), false);
                row(h, "Signed payload", text(r.path("signingPayloadSha256")), true);
                row(h, "SIGSTRUCT file", text(r.path("sigstructSha256")), true);
                h.append("</table></div>\n");
            }
            h.append("</section>\n");
        }

        h.append("<section class=\"page\">\n<h2>Deviations and notes</h2>\n");
        JsonNode notes = start.path("notes");
        if (notes.isEmpty()) {
            h.append("<p>None recorded.</p>\n");
        } else {
            h.append("<ol>\n");
            notes.forEach(n -> h.append("<li>").append(text(n)).append("</li>\n"));
            h.append("</ol>\n");
        }
        h.append("<h2>Journal</h2>\n<p>SHA-256 of the ceremony's last journal line (seq ").append(last.seq())
                .append("), to be written into the minutes and compared with the published journal:</p>\n")
                .append("<p class=\"hex\" id=\"journal-hash\">").append(c.lastLineSha256()).append("</p>\n")
                .append(qrSvg(c.lastLineSha256())).append("\n<h2>Signatures</h2>\n");
        List<String> people = new ArrayList<>();
        people.add("Operator: " + text(start.path("operator")));
        start.path("witnesses").forEach(w -> people.add("Witness: " + text(w)));
        for (int i = 0; i < people.size(); i += 2) {
            h.append("<div class=\"sign\">");
            for (String person : people.subList(i, Math.min(people.size(), i + 2))) {
                h.append("<div>").append(person).append("<br>Date:</div>");
            }
            h.append("</div>\n");
        }
        h.append("<footer>Made from the journal by ").append(text(start.path("tool")))
                .append("; the same journal gives the same bytes (sign-offline --record-from-journal).</footer>\n")
                .append("</section>\n</body></html>\n");
        return h.toString();
    }

    private static void row(StringBuilder h, String name, String value, boolean hex) {
        h.append("<tr><th>").append(name).append("</th><td").append(hex ? " class=\"hex\"" : "").append('>')
                .append(value).append("</td></tr>\n");
    }

    private static String join(JsonNode array) {
        List<String> names = new ArrayList<>();
        array.forEach(n -> names.add(text(n)));
        return names.isEmpty() ? "&mdash;" : String.join(", ", names);
    }

    /** A journal value for the page: absent as a dash, control characters as on the review screen, then HTML. */
    static String text(JsonNode value) {
        if (value.isMissingNode() || value.isNull()) {
            return "&mdash;";
        }
        String s = TerminalText.escape(value.asText());
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(ch);
            }
        }
        return b.toString();
    }

    /** The QR code (ZXing's encoder, level M) as inline SVG: one path, four modules of quiet zone. */
    static String qrSvg(String content) {
        ByteMatrix m;
        try {
            m = Encoder.encode(content, ErrorCorrectionLevel.M, Map.of(EncodeHintType.CHARACTER_SET, "ISO-8859-1"))
                    .getMatrix();
        } catch (WriterException e) {
            throw new IllegalStateException("a 64-character hash always fits a QR code", e);
        }
        int quiet = 4;
        int size = m.getWidth() + 2 * quiet;
        StringBuilder path = new StringBuilder();
        for (int y = 0; y < m.getHeight(); y++) {
            for (int x = 0; x < m.getWidth(); x++) {
                if (m.get(x, y) == 1) {
                    path.append('M').append(x + quiet).append(',').append(y + quiet).append("h1v1h-1z");
                }
            }
        }
        return "<svg class=\"qr\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + size + " " + size
                + "\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR code of the journal hash\">"
                + "<rect width=\"" + size + "\" height=\"" + size + "\" fill=\"#fff\"/><path fill=\"#000\" d=\"" + path
                + "\"/></svg>";
    }
}
