package org.enclaveos.signer.signoffline;

import java.io.PrintWriter;

import org.enclaveos.signer.ToolVersion;
import org.enclaveos.signer.io.Hex;
import org.enclaveos.signer.request.SigningRequest;
import org.enclaveos.signer.sgx.Attributes;
import org.enclaveos.signer.sgx.Sigstruct;

import static org.enclaveos.signer.io.TerminalText.escape;
import static org.enclaveos.signer.io.TerminalText.escapeWord;
import static org.enclaveos.signer.io.TerminalText.padRight;

/**
 * The table the operators read before they confirm: everything that will be signed, nothing hidden.
 * Every signed field that is not at its ordinary value has a line (ATTRIBUTES, ATTRIBUTEMASK,
 * MISCSELECT and MISCMASK always); every text from a request is escaped, so no request can draw a
 * row it did not produce: free-text paths are shown as one word (spaces escaped too), so not even the
 * terminal's own line wrapping can make part of one look like a row.
 */
final class Review {
    private Review() {
    }

    /**
     * A writer over {@code lineFlushed} that passes text on in blocks; its flush() flushes both. The
     * command's writers flush at every line end (a prompt must show), which made a 500-request review
     * 4,000 write calls and its list of outputs 500 more.
     */
    static PrintWriter batched(PrintWriter lineFlushed) {
        return new PrintWriter(new java.io.BufferedWriter(lineFlushed, 1 << 16), false);
    }

    static void print(PrintWriter terminal, Ceremony.Plan plan, String keySource, String action) {
        // Lines are built by concatenation, not printf: the table has a dozen lines per request, and
        // compiling java.util.Formatter for a 500-request review cost more than a CPU-second (issue 17).
        // Numbers are ASCII digits whatever the locale.
        PrintWriter out = batched(terminal);
        long toSign = plan.toSign();
        out.println();
        out.println("Review: " + plan.items().size() + " request(s), " + toSign + " to " + action + ", "
                + (plan.items().size() - toSign) + " already signed" + (plan.policy().production() ? " (production ceremony)" : ""));
        out.println("Key: " + escape(keySource) + (plan.signer() == null ? "" : ", MRSIGNER " + plan.signer().mrsigner()));
        // Which build signs: its commit and the SHA-256 of the jar, for the minutes and the journal alike.
        out.println("Tool: " + ToolVersion.describe());
        out.println();
        out.println(row("#", "ID", "MODEL", "ISVPRODID", "ISVSVN", "DEBUG", "DATE", "STATUS"));
        int n = 0;
        for (Ceremony.Item item : plan.items()) {
            SigningRequest r = item.request().request();
            Sigstruct s = item.request().unsigned();
            String date = s.date().iso() == null ? "none" : s.date().iso();
            out.println(row(Integer.toString(++n), r.id(), r.memoryModel() == null ? "-" : r.memoryModel(),
                    Integer.toString(s.isvProdId()), Integer.toString(s.isvSvn()), s.debug() ? "yes" : "no", date,
                    item.status() == Ceremony.Status.TO_SIGN ? "to " + action : "already signed"));
            out.println("     source     " + source(r.source()));
            out.println("     target     " + (r.target() == null ? "-" : escape(r.target())));
            if (r.layout() != null) {
                out.println("     layout     " + escapeWord(r.layout().path()) + " (sha256 " + escape(r.layout().sha256()) + ")");
            }
            out.println("     mrenclave  " + s.mrenclave() + " (" + escape(r.mrenclaveSource()) + ")");
            out.println("     attributes " + attributes(s.attributes()));
            out.println("     attr mask  " + attributes(s.attributeMask()));
            out.println("     misc       select " + Hex.u32(s.miscSelect()) + ", mask " + Hex.u32(s.miscMask()));
            if (s.vendor() != 0) {
                out.println("     vendor     " + Hex.u32(s.vendor()) + (s.vendor() == 0x8086 ? " (Intel)" : ""));
            }
            if (s.swDefined() != 0) {
                out.println("     swdefined  " + Hex.u32(s.swDefined()));
            }
            if (s.cetAttributes() != 0 || s.cetAttributesMask() != 0) {
                out.println("     cet        attributes " + Hex.u8(s.cetAttributes()) + ", mask " + Hex.u8(s.cetAttributesMask()));
            }
            if (!zero(s.isvFamilyId())) {
                out.println("     familyid   " + Hex.encode(s.isvFamilyId()));
            }
            if (!zero(s.isvExtProdId())) {
                out.println("     extprodid  " + Hex.encode(s.isvExtProdId()));
            }
            r.pinnedMrsigner().ifPresent(p -> out.println("     pinned     MRSIGNER " + p));
            out.println("     payload    sha256 " + s.signingPayloadSha256());
            for (String flag : item.flags()) {
                out.println("     WARNING    " + escape(flag));
            }
        }
        out.println();
        out.flush();
    }

    /** One row of the table: the columns left-aligned in their widths (a longer value pushes the rest right). */
    private static String row(String number, String id, String model, String prodId, String svn, String debug,
                              String date, String status) {
        StringBuilder b = new StringBuilder(120).append(' ');
        pad(b, number, 3);
        pad(b, id, 28);
        pad(b, model, 5);
        pad(b, prodId, 9);
        pad(b, svn, 6);
        pad(b, debug, 5);
        pad(b, date, 10);
        return b.append(status).toString();
    }

    private static void pad(StringBuilder b, String value, int width) {
        b.append(padRight(value, width)).append(' ');
    }

    /** FLAGS 0x... (NAMES) XFRM 0x... (NAMES): the numbers that are signed, and what they mean. */
    private static String attributes(Attributes a) {
        return "FLAGS " + Hex.u64(a.flags()) + " (" + String.join(" ", a.flagNames()) + ") XFRM " + Hex.u64(a.xfrm())
                + " (" + String.join(" ", a.xfrmNames()) + ")";
    }

    private static boolean zero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    /** The request's source; never null in a loaded request (RequestText requires it). */
    private static String source(SigningRequest.Source s) {
        if (s.manifestDigest() != null) {
            return escape(s.reference()) + " @ " + escape(s.manifestDigest());
        }
        if (s.file() != null) {
            return escape(s.kind()) + " " + escapeWord(s.file()) + " (sha256 " + escape(s.fileSha256()) + ")";
        }
        return escape(s.kind());
    }
}
