package org.enclaveos.signer.signoffline;

import java.io.PrintWriter;

import org.enclaveos.signer.request.SigningRequest;
import org.enclaveos.signer.sgx.Sigstruct;

/** The table the operators read before they confirm: everything that will be signed, nothing hidden. */
final class Review {
    private Review() {
    }

    static void print(PrintWriter out, Ceremony.Plan plan, String keySource) {
        long toSign = plan.toSign();
        out.printf("%nReview: %d request(s), %d to sign, %d already signed%s%n", plan.items().size(), toSign,
                plan.items().size() - toSign, plan.production() ? " (production ceremony)" : "");
        out.printf("Key: %s%s%n", keySource, plan.signer() == null ? "" : ", MRSIGNER " + plan.signer().mrsigner());
        out.printf("%n %-3s %-28s %-5s %-9s %-6s %-5s %-10s %s%n", "#", "ID", "MODEL", "ISVPRODID", "ISVSVN", "DEBUG",
                "DATE", "STATUS");
        int n = 0;
        for (Ceremony.Item item : plan.items()) {
            SigningRequest r = item.request().request();
            Sigstruct s = item.request().unsigned();
            String date = s.date().iso() == null ? "none" : s.date().iso();
            out.printf(" %-3d %-28s %-5s %-9d %-6d %-5s %-10s %s%n", ++n, r.id(), r.memoryModel() == null ? "-" : r.memoryModel(),
                    s.isvProdId(), s.isvSvn(), s.debug() ? "yes" : "no", date,
                    item.status() == Ceremony.Status.TO_SIGN ? "to sign" : "already signed");
            out.printf("     source     %s%n", source(r.source()));
            out.printf("     target     %s%n", r.target() == null ? "-" : r.target());
            out.printf("     mrenclave  %s (%s)%n", r.mrenclave(), r.mrenclaveSource());
            out.printf("     payload    sha256 %s%n", r.signingPayloadSha256());
            for (String flag : item.flags()) {
                out.printf("     WARNING    %s%n", flag);
            }
        }
        out.println();
        out.flush();
    }

    private static String source(SigningRequest.Source s) {
        if (s == null) {
            return "-";
        }
        if (s.manifestDigest() != null) {
            return s.reference() + " @ " + s.manifestDigest();
        }
        if (s.file() != null) {
            return s.kind() + " " + s.file() + " (sha256 " + s.fileSha256() + ")";
        }
        return s.kind();
    }
}
