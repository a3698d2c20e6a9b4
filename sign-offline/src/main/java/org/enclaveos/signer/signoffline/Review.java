package org.enclaveos.signer.signoffline;

import java.io.PrintWriter;

import org.enclaveos.signer.ToolVersion;
import org.enclaveos.signer.io.Hex;
import org.enclaveos.signer.request.SigningRequest;
import org.enclaveos.signer.sgx.Attributes;
import org.enclaveos.signer.sgx.Sigstruct;

import static org.enclaveos.signer.io.TerminalText.escape;
import static org.enclaveos.signer.io.TerminalText.escapeWord;

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

    static void print(PrintWriter out, Ceremony.Plan plan, String keySource, String action) {
        long toSign = plan.toSign();
        out.printf("%nReview: %d request(s), %d to %s, %d already signed%s%n", plan.items().size(), toSign, action,
                plan.items().size() - toSign, plan.policy().production() ? " (production ceremony)" : "");
        out.printf("Key: %s%s%n", escape(keySource), plan.signer() == null ? "" : ", MRSIGNER " + plan.signer().mrsigner());
        // Which build signs: its commit and the SHA-256 of the jar, for the minutes and the journal alike.
        out.printf("Tool: %s%n", ToolVersion.describe());
        out.printf("%n %-3s %-28s %-5s %-9s %-6s %-5s %-10s %s%n", "#", "ID", "MODEL", "ISVPRODID", "ISVSVN", "DEBUG",
                "DATE", "STATUS");
        int n = 0;
        for (Ceremony.Item item : plan.items()) {
            SigningRequest r = item.request().request();
            Sigstruct s = item.request().unsigned();
            String date = s.date().iso() == null ? "none" : s.date().iso();
            out.printf(" %-3d %-28s %-5s %-9d %-6d %-5s %-10s %s%n", ++n, r.id(), r.memoryModel() == null ? "-" : r.memoryModel(),
                    s.isvProdId(), s.isvSvn(), s.debug() ? "yes" : "no", date,
                    item.status() == Ceremony.Status.TO_SIGN ? "to " + action : "already signed");
            out.printf("     source     %s%n", source(r.source()));
            out.printf("     target     %s%n", r.target() == null ? "-" : escape(r.target()));
            if (r.layout() != null) {
                out.printf("     layout     %s (sha256 %s)%n", escapeWord(r.layout().path()), escape(r.layout().sha256()));
            }
            out.printf("     mrenclave  %s (%s)%n", s.mrenclave(), escape(r.mrenclaveSource()));
            out.printf("     attributes %s%n", attributes(s.attributes()));
            out.printf("     attr mask  %s%n", attributes(s.attributeMask()));
            out.printf("     misc       select %s, mask %s%n", Hex.u32(s.miscSelect()), Hex.u32(s.miscMask()));
            if (s.vendor() != 0) {
                out.printf("     vendor     %s%s%n", Hex.u32(s.vendor()), s.vendor() == 0x8086 ? " (Intel)" : "");
            }
            if (s.swDefined() != 0) {
                out.printf("     swdefined  %s%n", Hex.u32(s.swDefined()));
            }
            if (s.cetAttributes() != 0 || s.cetAttributesMask() != 0) {
                out.printf("     cet        attributes 0x%02x, mask 0x%02x%n", s.cetAttributes(), s.cetAttributesMask());
            }
            if (!zero(s.isvFamilyId())) {
                out.printf("     familyid   %s%n", Hex.encode(s.isvFamilyId()));
            }
            if (!zero(s.isvExtProdId())) {
                out.printf("     extprodid  %s%n", Hex.encode(s.isvExtProdId()));
            }
            r.pinnedMrsigner().ifPresent(p -> out.printf("     pinned     MRSIGNER %s%n", p));
            out.printf("     payload    sha256 %s%n", s.signingPayloadSha256());
            for (String flag : item.flags()) {
                out.printf("     WARNING    %s%n", escape(flag));
            }
        }
        out.println();
        out.flush();
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
