package org.enclaveos.signer.image.cli;

import java.io.PrintWriter;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.cli.InspectCommand;
import org.enclaveos.signer.crypto.SigstructVerifier;
import org.enclaveos.signer.format.SigstructJson;
import org.enclaveos.signer.image.ConvertedImage;
import org.enclaveos.signer.image.ImageMeasure;
import org.enclaveos.signer.image.ImageReference;
import org.enclaveos.signer.image.ResolvedImage;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;

/**
 * measure, inspect and verify of a container image: what the full jar's {@link ImageMeasureCommand},
 * {@link ImageInspectCommand} and {@link ImageVerifyCommand} add to the file commands.
 */
final class ImageCommands {

    /** What the calling command's options say about images. */
    record Options(String memoryModel, String platform, long maxLayoutSize, boolean json,
                   org.enclaveos.signer.image.RegistryClient.Options registry) {
    }

    private ImageCommands() {
    }

    /** Whether {@code argument} looks like an image reference (and not a mistyped file name). */
    static boolean accepts(String argument) {
        for (ImageReference.Transport t : ImageReference.Transport.values()) {
            if (argument.startsWith(t.prefix())) {
                return true;
            }
        }
        // A bare reference is taken as docker:// only when it starts with a registry host (it has a dot, a
        // port or is localhost), so a mistyped relative file name still gets "no such file".
        int slash = argument.indexOf('/');
        String head = slash > 0 ? argument.substring(0, slash) : "";
        return (head.contains(".") || head.contains(":") || head.equals("localhost"))
                && argument.matches("[a-z0-9.:-]+(/[a-z0-9._-]+)+(:[A-Za-z0-9_.-]+)?(@sha256:[0-9a-f]{64})?");
    }

    static int measure(String reference, Options o, PrintWriter out, PrintWriter err) {
        ResolvedImage image = ResolvedImage.open(ImageReference.parse(reference), o.platform(), o.registry());
        ConvertedImage converted = ConvertedImage.of(image);
        Set<MemoryModel> models = models(o.memoryModel(), converted);
        Map<MemoryModel, ImageMeasure.Result> results = ImageMeasure.measure(image, models, o.maxLayoutSize());
        ObjectNode doc = SigstructJson.object();
        doc.put("image", image.reference().toString()).put("kind", "image").put("manifestDigest", image.manifestDigest())
                .put("platform", image.platform());
        ObjectNode per = doc.putObject("models");
        boolean first = true;
        for (ImageMeasure.Result r : results.values()) {
            Optional<Sigstruct> sig = converted.signatures().get(r.model());
            if (first) {
                doc.put("mrenclave", r.mrenclave().hex());
                first = false;
            }
            per.putObject(r.model().id()).put("mrenclave", r.mrenclave().hex()).put("layout", r.layoutPath())
                    .put("converterMrenclave", sig.map(s -> s.mrenclave().hex()).orElse(null))
                    .put("matchesConverter", sig.map(s -> s.mrenclave().equals(r.mrenclave())).orElse(false));
            if (!o.json()) {
                out.println(r.mrenclave().hex() + "  " + image.reference() + " (" + r.model().id() + ", " + r.layoutPath() + ")");
                sig.ifPresent(s -> {
                    if (!s.mrenclave().equals(r.mrenclave())) {
                        err.println("warning: " + r.model().id() + ": the converter's signature says " + s.mrenclave());
                    }
                });
            }
        }
        long imageBytes = image.manifestBytes().length + image.configBytes().length;
        for (org.enclaveos.signer.image.Descriptor l : image.layers()) {
            imageBytes += l.size();
        }
        doc.put("imageBytes", imageBytes);
        if (image.blobs() instanceof org.enclaveos.signer.image.RegistryClient registry) {
            doc.put("bytesFetched", registry.bytesFetched());
        }
        if (o.json()) {
            out.print(SigstructJson.print(doc));
        }
        out.flush();
        err.flush();
        return 0;
    }

    static int inspect(String reference, Options o, PrintWriter out, PrintWriter err) {
        ResolvedImage image = ResolvedImage.open(ImageReference.parse(reference), o.platform(), o.registry());
        ConvertedImage converted = ConvertedImage.of(image);
        ObjectNode doc = SigstructJson.object();
        doc.put("image", image.reference().toString()).put("kind", "image").put("manifestDigest", image.manifestDigest())
                .put("configDigest", image.configDescriptor().digest()).put("platform", image.platform())
                .put("layers", image.layers().size());
        ObjectNode per = doc.putObject("models");
        for (MemoryModel m : MemoryModel.values()) {
            ObjectNode node = per.putObject(m.id());
            node.put("variable", m.envVariable());
            node.put("layout", converted.layouts().get(m).orElse(null));
            Optional<Sigstruct> sig = converted.signatures().get(m);
            if (sig.isPresent()) {
                node.set("sigstruct", SigstructJson.describe(sig.get(), SigstructVerifier.verify(sig.get())));
            } else {
                node.putNull("sigstruct");
            }
        }
        if (o.json()) {
            out.print(SigstructJson.print(doc));
        } else {
            InspectCommand.row(out, "image", image.reference().toString());
            InspectCommand.row(out, "manifest", image.manifestDigest());
            InspectCommand.row(out, "config", image.configDescriptor().digest());
            for (MemoryModel m : MemoryModel.values()) {
                Optional<Sigstruct> sig = converted.signatures().get(m);
                InspectCommand.row(out, m.id(), "layout " + converted.layouts().get(m).orElse("(no label)") + "; "
                        + sig.map(s -> "signed: mrenclave " + s.mrenclave() + ", mrsigner " + s.mrsigner() + ", isvprodid "
                                + s.isvProdId() + ", isvsvn " + s.isvSvn() + (s.debug() ? ", DEBUG" : ", production"))
                                .orElse("no signature (" + m.envVariable() + " empty or missing)"));
            }
        }
        out.flush();
        return 0;
    }

    static int verify(String reference, Options o, Hash256 expectedSigner, boolean evidence,
                      org.enclaveos.signer.policy.Policy policy, org.enclaveos.signer.cli.PolicyOptions policyOptions,
                      PrintWriter out, PrintWriter err) {
        org.enclaveos.signer.image.ImageVerify.Result r = org.enclaveos.signer.image.ImageVerify.verify(
                ImageReference.parse(reference), o.platform(), o.memoryModel() == null ? null
                        : MemoryModel.parseOption("--memory-model", o.memoryModel()), o.maxLayoutSize(), o.registry(),
                expectedSigner, evidence);
        org.enclaveos.signer.policy.PolicyCheck.Verdict verdict = null;
        if (policy != null) {
            Map<String, Sigstruct> signed = new java.util.LinkedHashMap<>();
            r.signatures().forEach((m, s) -> s.ifPresent(x -> signed.put(m.id(), x)));
            verdict = org.enclaveos.signer.policy.PolicyCheck.check(policy, r.reference().toString(), signed, true,
                    policyOptions.atDate());
        }
        if (o.json()) {
            if (verdict != null) {
                r.document().set("policy", verdict.toJson());
            }
            out.print(SigstructJson.print(r.document()));
        } else {
            r.printTable(out);
        }
        out.flush();
        if (!r.verified()) {
            err.println(org.enclaveos.signer.cli.Cli.NAME + ": " + r.reference() + ": verification failed: "
                    + String.join("; ", r.failures()));
            err.flush();
            return ErrorKind.VERIFICATION_FAILED.exitCode();
        }
        return verdict == null ? 0 : org.enclaveos.signer.cli.PolicyOptions.report(verdict, policyOptions.policy(), o.json(),
                out, err);
    }

    private static Set<MemoryModel> models(String option, ConvertedImage converted) {
        if (option != null) {
            return MemoryModel.parseOption("--memory-model", option);
        }
        EnumSet<MemoryModel> labelled = EnumSet.noneOf(MemoryModel.class);
        converted.layouts().forEach((m, p) -> p.ifPresent(x -> labelled.add(m)));
        if (labelled.isEmpty()) {
            throw SignerException.malformed("the image has no layout labels (org.enclaveos.layout.sgx1/.sgx2) to measure");
        }
        return labelled;
    }
}
