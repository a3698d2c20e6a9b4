package org.enclaveos.signer.image;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.crypto.SigstructVerifier;
import org.enclaveos.signer.crypto.Verification;
import org.enclaveos.signer.format.SigstructJson;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.request.SigningEvidence;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;

/**
 * Would this image's enclaves launch as signed? Every signature of the image (or of the models asked
 * for) is checked as EINIT would (header, exponent, RSA, Q1/Q2, reserved bytes), against the layout
 * re-measured from the image's own layers, and against the expected signer if one is given.
 */
public final class ImageVerify {
    private ImageVerify() {
    }

    /** The outcome: one row per model, the failures in words, and the JSON document verify --json prints. */
    public record Result(ImageReference reference, Set<MemoryModel> models, Map<MemoryModel, Optional<Sigstruct>> signatures,
                         List<String> failures, ObjectNode document, List<ImageEvidence.Found> evidence) {
        public boolean verified() {
            return failures.isEmpty();
        }

        /** The table verify prints: MODEL, MRENCLAVE, MRSIGNER, ISVPRODID, ISVSVN, MODE, VALID. */
        public void printTable(PrintWriter out) {
            out.printf("%-6s %-64s %-64s %-9s %-6s %-10s %s%n", "MODEL", "MRENCLAVE", "MRSIGNER", "ISVPRODID", "ISVSVN",
                    "MODE", "VALID");
            for (MemoryModel m : models) {
                Optional<Sigstruct> sig = signatures.get(m);
                boolean ok = failures.stream().noneMatch(f -> f.startsWith(m.id() + ":"));
                out.printf("%-6s %-64s %-64s %-9s %-6s %-10s %s%n", m.id(),
                        sig.map(s -> s.mrenclave().hex()).orElse("-"), sig.map(s -> s.mrsigner().hex()).orElse("-"),
                        sig.map(s -> Integer.toString(s.isvProdId())).orElse("-"),
                        sig.map(s -> Integer.toString(s.isvSvn())).orElse("-"),
                        sig.map(s -> s.debug() ? "debug" : "production").orElse("-"), ok ? "yes" : "NO");
            }
            for (ImageEvidence.Found e : evidence) {
                if (e.failure().isPresent()) {
                    out.println("evidence " + e.digest() + ": INVALID: " + e.failure().get());
                    continue;
                }
                SigningEvidence.Findings f = e.findings().orElseThrow();
                out.println("evidence " + e.digest() + ": valid, " + f.sigstructs().size() + " requests ("
                        + String.join(", ", f.sigstructs().keySet()) + ")"
                        + f.journalLastHash().map(h -> ", journal last line sha256 " + h).orElse(", no journal"));
                for (com.fasterxml.jackson.databind.JsonNode start : f.ceremonies()) {
                    List<String> facts = new ArrayList<>();
                    ImageEvidence.ceremonyFacts(start).forEach((k, v) -> facts.add(k + " " + (v.isTextual() ? v.asText() : v)));
                    out.println("  ceremony: " + org.enclaveos.signer.io.TerminalText.escape(String.join(", ", facts)));
                }
            }
        }
    }

    /** {@link #verify(ImageReference, String, Set, long, RegistryClient.Options, Hash256, boolean)} without evidence. */
    public static Result verify(ImageReference reference, String platform, Set<MemoryModel> models, long maxLayoutSize,
                                RegistryClient.Options registry, Hash256 expectedSigner) {
        return verify(reference, platform, models, maxLayoutSize, registry, expectedSigner, false);
    }

    /**
     * @param evidence       also find the signing evidence published for the image and check it
     * @param models         the models to check; null: every model the image has a signature for
     * @param expectedSigner the only acceptable MRSIGNER, or null
     */
    public static Result verify(ImageReference reference, String platform, Set<MemoryModel> models, long maxLayoutSize,
                                RegistryClient.Options registry, Hash256 expectedSigner, boolean evidence) {
        ResolvedImage image = ResolvedImage.open(reference, platform, registry);
        ConvertedImage converted = ConvertedImage.of(image);
        Set<MemoryModel> checked = models != null ? EnumSet.copyOf(models) : EnumSet.noneOf(MemoryModel.class);
        if (models == null) {
            for (MemoryModel m : MemoryModel.values()) {
                if (converted.signatures().get(m).isPresent()) {
                    checked.add(m);
                }
            }
            if (checked.isEmpty()) {
                throw new SignerException(ErrorKind.VERIFICATION_FAILED, image.reference() + ": the image carries no "
                        + "ENCLAVEOS_SIGNATURE or ENCLAVEOS_SIGNATURE2");
            }
        }
        EnumSet<MemoryModel> measurable = EnumSet.noneOf(MemoryModel.class);
        for (MemoryModel m : checked) {
            if (converted.layouts().get(m).isPresent()) {
                measurable.add(m);
            }
        }
        Map<MemoryModel, ImageMeasure.Result> measured = measurable.isEmpty() ? Map.of()
                : ImageMeasure.measure(image, measurable, maxLayoutSize);
        List<String> failures = new ArrayList<>();
        ObjectNode doc = SigstructJson.object();
        doc.put("image", image.reference().toString()).put("manifestDigest", image.manifestDigest());
        ObjectNode per = doc.putObject("models");
        for (MemoryModel m : checked) {
            ObjectNode node = per.putObject(m.id());
            Optional<Sigstruct> sig = converted.signatures().get(m);
            ImageMeasure.Result r = measured.get(m);
            node.put("measuredMrenclave", r == null ? null : r.mrenclave().hex());
            if (sig.isEmpty()) {
                failures.add(m.id() + ": no signature (" + m.envVariable() + " empty or missing)");
                node.putNull("sigstruct");
                continue;
            }
            Sigstruct s = sig.get();
            Verification v = SigstructVerifier.verify(s);
            node.set("sigstruct", SigstructJson.describe(s, v));
            v.firstFailure().ifPresent(c -> failures.add(m.id() + ": " + c.describe()));
            if (r == null) {
                failures.add(m.id() + ": no layout label " + ConvertedImage.LABEL_PREFIX + m.id()
                        + ", so the measurement cannot be checked");
            } else if (!r.mrenclave().equals(s.mrenclave())) {
                failures.add(m.id() + ": the layout measures " + r.mrenclave() + ", the signature says " + s.mrenclave());
            }
            if (expectedSigner != null && !expectedSigner.equals(s.mrsigner())) {
                failures.add(m.id() + ": signed by " + s.mrsigner() + ", expected " + expectedSigner);
            }
            node.put("production", !s.debug());
        }
        List<ImageEvidence.Found> found = List.of();
        if (evidence) {
            found = evidence(image, converted, registry, failures, doc);
        }
        doc.put("verified", failures.isEmpty());
        failures.forEach(doc.putArray("failures")::add);
        return new Result(image.reference(), checked, converted.signatures(), List.copyOf(failures), doc, found);
    }

    private static List<ImageEvidence.Found> evidence(ResolvedImage image, ConvertedImage converted,
                                                      RegistryClient.Options registry, List<String> failures, ObjectNode doc) {
        if (image.reference().transport() != ImageReference.Transport.DOCKER) {
            throw new SignerException(ErrorKind.USAGE, "--evidence: " + image.reference() + " is not in a registry; signing "
                    + "evidence is found as an OCI referrer of an image in a registry");
        }
        List<ImageEvidence.Found> found = ImageEvidence.check(image.reference(), image.manifestDigest(),
                converted.signatures(), registry);
        if (found.isEmpty()) {
            failures.add("evidence: no signing evidence refers to " + image.manifestDigest()
                    + " (neither the referrers API nor the referrers tag lists one)");
        }
        com.fasterxml.jackson.databind.node.ArrayNode list = doc.putArray("evidence");
        for (ImageEvidence.Found e : found) {
            ObjectNode n = list.addObject().put("digest", e.digest()).put("valid", e.failure().isEmpty());
            e.failure().ifPresent(f -> {
                n.put("error", f);
                failures.add("evidence " + e.digest() + ": " + f);
            });
            e.findings().ifPresent(f -> {
                f.sigstructs().keySet().forEach(n.putArray("requests")::add);
                n.put("journalLastLineSha256", f.journalLastHash().orElse(null));
                com.fasterxml.jackson.databind.node.ArrayNode ceremonies = n.putArray("ceremonies");
                f.ceremonies().forEach(start -> {
                    ObjectNode c = ceremonies.addObject();
                    ImageEvidence.ceremonyFacts(start).forEach(c::set);
                });
            });
        }
        return found;
    }
}
