package org.enclaveos.signer.attach;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.cli.VersionProvider;
import org.enclaveos.signer.format.SigstructJson;
import org.enclaveos.signer.image.Referrers;
import org.enclaveos.signer.image.RegistryClient;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.request.RequestSet;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "attach", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Put signed SIGSTRUCTs back where they belong, after checking them against the requests.", "",
            "Every signature must verify (RSA, Q1/Q2, header, exponent 3), sign exactly its request's payload, come "
                + "from the signer the request pins and --expected-signer names, and have sign-offline's response naming "
                + "that request, signer and SIGSTRUCT (unless --without-responses). For an Intel SGX SDK enclave (prepare --enclave), "
                + "--enclave-out writes a copy of the enclave with the SIGSTRUCT of every metadata block replaced and no "
                + "other byte changed, after checking the input is still the file prepare measured. For a converted "
                + "image, the source must still resolve to the manifest digest prepare recorded; the new image changes "
                + "only ENCLAVEOS_SIGNATURE/ENCLAVEOS_SIGNATURE2 (a model not signed gets an empty value), is pushed with "
                + "only the missing blobs (mounted within a registry), manifest last, and is read back and checked. To a registry, "
                + "the signing evidence follows as an OCI referrer of the signed image (artifactType "
                + "application/vnd.enclaveos.signing-evidence.v1+json): through the referrers API where the registry has "
                + "it, else in the referrers tag sha256-HEX, keeping what other tools listed there."},
        footer = {"", "Examples:",
            "  enclaveos-signer attach requests/ --signatures signed/ --target registry.example.com/team/app:1.0-signed",
            "  enclaveos-signer attach requests/ --signatures signed/ --enclave-out enclave.resigned.so",
            "  enclaveos-signer attach requests/ --signatures hsm-out/ --without-responses --signer-key prod.pub.pem \\",
            "      --target registry.example.com/team/app:1.0-signed"})
public final class AttachCommand implements Callable<Integer> {
    @Parameters(paramLabel = "REQUEST_DIR", description = "The directory prepare wrote (or request files).")
    List<Path> requests;

    @Option(names = "--signatures", required = true, paramLabel = "DIR", description = "The directory sign-offline wrote.")
    Path signatures;

    @Option(names = "--enclave-out", paramLabel = "FILE", description = "Write the re-signed SGX SDK enclave here.")
    Path enclaveOut;

    @Option(names = "--enclave-in", paramLabel = "FILE",
            description = "The enclave to re-sign, if it is no longer where prepare read it (its SHA-256 must match).")
    Path enclaveIn;

    @Option(names = "--target", paramLabel = "REF", description = "Where to push the signed image (default: the "
            + "target prepare recorded): docker://HOST/REPO:TAG or oci:DIR:TAG.")
    String target;

    @Option(names = "--json", description = "Print one JSON document on stdout.")
    boolean json;

    @picocli.CommandLine.ArgGroup(exclusive = true, heading = "%nThe only acceptable signer (any other is refused):%n")
    org.enclaveos.signer.cli.SignerPin signer;

    @Option(names = "--without-responses", description = "Signatures made elsewhere (an HSM tool) come without "
            + "sign-offline's response files; then a signer must be pinned (by the request or --expected-signer).")
    boolean withoutResponses;

    private SignedRequest.Trust trust() {
        PrintWriter err = spec.commandLine().getErr();
        return new SignedRequest.Trust(signer == null ? java.util.Optional.empty() : java.util.Optional.of(signer.mrsigner()),
                withoutResponses, w -> {
                            err.println(w);
                            err.flush();
                        });
    }

    final org.enclaveos.signer.image.cli.RegistryOptions images = new org.enclaveos.signer.image.cli.RegistryOptions();

    @picocli.CommandLine.Mixin(name = "images")
    picocli.CommandLine.Model.CommandSpec imagesOptions = images.mixin();

    @Spec
    CommandSpec spec;

    @Option(names = "--only", paramLabel = "NAME", description = "Of a batch's images, attach only the one whose requests "
            + "have this name (prepare's --name or the image's default name).")
    String only;

    @Option(names = "--evidence", negatable = true, description = "Push the signing evidence (requests, SIGSTRUCTs, "
            + "responses, the ceremony's journal lines) as an OCI referrer of the signed image (default: for registry "
            + "targets; --evidence makes it required, --no-evidence skips it).")
    Boolean evidence;

    @Option(names = "--journal", paramLabel = "FILE", description = "The journal of the ceremony that signed (default: "
            + "SIGNATURES/" + EvidenceOptions.DEFAULT_JOURNAL + ", where sign-offline writes it).")
    Path journal;

    private EvidenceOptions evidenceOptions() {
        return new EvidenceOptions(evidence == null ? EvidenceOptions.Publish.REGISTRY_TARGETS
                : evidence ? EvidenceOptions.Publish.REQUIRED : EvidenceOptions.Publish.NEVER, java.util.Optional.ofNullable(journal));
    }

    @Option(names = "--jobs", paramLabel = "N", description = "Images attached at a time when the requests come from "
            + "several images (default 4).")
    int jobs = 4;

    private int attachImage(Attach.Group group) {
        ImageAttach.Result r = Attach.image(group, signatures, trust(), target, images.client(),
                evidenceOptions());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode o = SigstructJson.object();
            o.put("target", r.target().toString()).put("manifestDigest", r.manifestDigest())
                    .put("bytesUploaded", r.bytesUploaded()).put("layersSent", r.layersSent())
                    .put("layersMounted", r.layersMounted());
            ObjectNode models = o.putObject("signatures");
            r.signatures().forEach((m, s) -> models.put(m.id(), s.mrsigner().hex()));
            r.evidence().ifPresentOrElse(e -> o.putObject("evidence").put("digest", e.digest())
                    .put("via", e.viaApi() ? "referrers-api" : "referrers-tag").put("tag", e.indexTag()), () -> o.putNull("evidence"));
            out.print(SigstructJson.print(o));
        } else {
            out.println("pushed " + r.target() + "@" + r.manifestDigest() + " (" + r.bytesUploaded() + " bytes uploaded, "
                    + r.layersSent() + " layers sent, " + r.layersMounted() + " mounted; signed: "
                    + String.join(", ", r.signatures().keySet().stream().map(MemoryModel::id).toList()) + ")");
            r.evidence().ifPresent(e -> out.println("evidence " + e.digest() + (e.viaApi() ? " (listed by the registry's "
                    + "referrers API)" : " (listed in the referrers tag " + e.indexTag() + ")")));
        }
        out.flush();
        return 0;
    }

    @Override
    public Integer call() {
        List<RequestSet.Loaded> loaded = RequestSet.load(requests);
        List<Attach.Group> groups = Attach.groups(loaded);
        if (only != null) {
            List<String> names = groups.stream().map(Attach.Group::name).toList();
            groups = groups.stream().filter(g -> g.named(only)).toList();
            if (groups.size() != 1) {
                throw new SignerException(ErrorKind.USAGE, "--only " + only + ": " + (groups.isEmpty() ? "no" : "more than one")
                        + " image has requests of that name (names: " + String.join(", ", names) + ")");
            }
            loaded = groups.get(0).requests();
        }
        if (enclaveOut == null) {
            if (groups.size() == 1) {
                return attachImage(groups.get(0));
            }
            if (target != null) {
                throw new SignerException(ErrorKind.USAGE, "--target names one image, and these requests come from "
                        + groups.size() + " (" + String.join(", ", groups.stream().map(Attach.Group::name).toList())
                        + "); give --only NAME with it, or let each go to the target prepare recorded");
            }
            return attachAll(groups);
        }
        if (loaded.size() != 1) {
            throw new SignerException(ErrorKind.USAGE, "--enclave-out takes exactly one request, got " + loaded.size()
                    + " (" + String.join(", ", loaded.stream().map(RequestSet.Loaded::id).toList()) + ")");
        }
        SignedRequest signed = SignedRequest.load(loaded.get(0), signatures, trust());
        EnclaveAttach.Result r = EnclaveAttach.attach(signed, enclaveIn, enclaveOut);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectNode o = SigstructJson.object();
            o.put("enclave", r.out().toString()).put("sigstructCopies", r.copies()).put("mrenclave", r.mrenclave().hex())
                    .put("mrsigner", r.mrsigner().hex());
            out.print(SigstructJson.print(o));
        } else {
            out.println("wrote " + r.out() + ": " + r.copies() + " SIGSTRUCT copies replaced, mrenclave " + r.mrenclave()
                    + ", mrsigner " + r.mrsigner());
        }
        out.flush();
        return 0;
    }

    /** A batch: every image to its own target, a summary table, and an exit code that says whether any failed. */
    private int attachAll(List<Attach.Group> groups) {
        List<Attach.Outcome> outcomes = Attach.images(groups, signatures, trust(), images.client(),
                evidenceOptions(), jobs);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long failed = outcomes.stream().filter(o -> o.error().isPresent()).count();
        if (json) {
            ObjectNode doc = SigstructJson.object();
            doc.put("images", outcomes.size()).put("failed", failed);
            com.fasterxml.jackson.databind.node.ArrayNode list = doc.putArray("results");
            for (Attach.Outcome o : outcomes) {
                ObjectNode n = list.addObject().put("name", o.group().name()).put("source", o.group().source())
                        .put("ok", o.error().isEmpty());
                o.result().ifPresent(r -> n.put("target", r.target().toString()).put("manifestDigest", r.manifestDigest())
                        .put("evidence", r.evidence().map(Referrers.Published::digest).orElse(null)));
                o.error().ifPresent(e -> n.put("error", e.getMessage()).put("exitCode", e.kind().exitCode()));
            }
            out.print(SigstructJson.print(doc));
        } else {
            out.printf("%-24s %-8s %s%n", "NAME", "RESULT", "WHERE");
            for (Attach.Outcome o : outcomes) {
                out.printf("%-24s %-8s %s%n", o.group().name(), o.error().isEmpty() ? "pushed" : "FAILED",
                        o.result().map(r -> r.target() + "@" + r.manifestDigest() + " (" + String.join(", ",
                                r.signatures().keySet().stream().map(MemoryModel::id).toList()) + ")")
                                .orElse(o.group().source()));
            }
            out.println(outcomes.size() + " images, " + (outcomes.size() - failed) + " pushed, " + failed + " failed");
        }
        out.flush();
        for (Attach.Outcome o : outcomes) {
            o.error().ifPresent(e -> err.println(org.enclaveos.signer.cli.Cli.NAME + ": "
                    + org.enclaveos.signer.io.TerminalText.escape(o.group().name() + ": " + e.getMessage())));
        }
        err.flush();
        return outcomes.stream().flatMap(o -> o.error().stream()).findFirst().map(e -> e.kind().exitCode()).orElse(0);
    }
}
