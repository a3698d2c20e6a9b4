package org.enclaveos.signer.prepare;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.ToolVersion;
import org.enclaveos.signer.measure.Sgxs;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.request.RequestWriter;
import org.enclaveos.signer.request.SigningRequest;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;

/**
 * The prepare step as a library: a {@link PrepareSpec} in, unsigned requests out, nothing written
 * until {@link #write}. The command, its batch form, the one-shot form and {@code demo} all go
 * through here.
 */
public final class Prepare {
    private Prepare() {
    }

    /**
     * The requests a spec describes, with what reading an image cost (empty for the other sources).
     * Warnings (an unmeasured image, a trusted measurement) go to {@code warnings}, one line each.
     */
    public record Prepared(List<SigningRequest> requests, Optional<Cost> cost) {
        public Prepared {
            requests = List.copyOf(requests);
        }
    }

    /** What fetching and measuring an image cost (bytes are what the transport delivered). */
    public record Cost(long bytes, long nanos) {
        public String describe() {
            double seconds = nanos / 1e9;
            return String.format("%.1f MB in %.2f s (%.1f MB/s)", bytes / 1e6, seconds, seconds > 0 ? bytes / 1e6 / seconds : 0);
        }
    }

    public static Prepared requests(PrepareSpec spec, Consumer<String> warnings) {
        Prepared prepared = measure(spec, warnings);
        if (spec.policy() != null) {
            judge(spec, prepared.requests(), warnings);
        }
        return prepared;
    }

    /**
     * The deployment policy, before anything is written: the target (else the source) picks the scope, the
     * pinned signer, if any, is judged as the signer. A failure refuses in mode enforce, warns in mode warn.
     */
    private static void judge(PrepareSpec spec, List<SigningRequest> requests, Consumer<String> warnings) {
        java.util.Map<String, java.util.Map<String, Sigstruct>> bySubject = new java.util.LinkedHashMap<>();
        for (SigningRequest r : requests) {
            bySubject.computeIfAbsent(org.enclaveos.signer.policy.PolicyCheck.subjectOf(r), k -> new java.util.LinkedHashMap<>())
                    .put(r.memoryModel() == null ? r.name() : r.memoryModel(), r.unsigned());
        }
        bySubject.forEach((subject, unsigned) -> {
            org.enclaveos.signer.policy.PolicyCheck.Verdict v = org.enclaveos.signer.policy.PolicyCheck.beforeSigning(
                    spec.policy(), subject, unsigned, spec.pinnedSigner());
            for (org.enclaveos.signer.policy.PolicyCheck.Finding f : v.failures()) {
                String what = "policy rule " + f.rule() + " for " + subject + " (" + f.where() + "): expected "
                        + f.expected() + ", found " + f.found();
                if (spec.policy().mode() == org.enclaveos.signer.policy.Policy.Mode.ENFORCE) {
                    throw new SignerException(ErrorKind.POLICY, what + "; nothing written");
                }
                warnings.accept(what + " (policy mode warn)");
            }
        });
    }

    private static Prepared measure(PrepareSpec spec, Consumer<String> warnings) {
        if (spec.source() instanceof EnclaveSource.Image image) {
            return ImagePrepare.requests(spec, image, warnings);
        }
        MemoryModel model = spec.models().isEmpty() ? null : spec.models().iterator().next();
        boolean sdk = spec.source() instanceof EnclaveSource.SdkEnclave;
        // An SDK enclave keeps its SIGSTRUCT's DATE unless one is given; the other sources get the default.
        SigstructRecipe recipe = spec.recipe().date() != null || sdk ? spec.recipe()
            : spec.recipe().withDate(spec.defaultDate());
        Hash256 mrenclave;
        SigningRequest.Source origin;
        SigningRequest.Layout layout = null;
        String mrenclaveSource;
        String defaultName;
        Optional<Sigstruct> base = Optional.empty();
        // Java 17 has no switch over a sealed type's patterns; the chain ends in Given, the last kind.
        if (spec.source() instanceof EnclaveSource.SdkEnclave e) {
            SdkEnclaveSource read = SdkEnclaveSource.read(e.file(), spec.maxMeasuredSize());
            mrenclave = read.mrenclave();
            base = Optional.of(read.sigstruct());
            // Absolute: attach reads this file again, maybe from another directory (it checks the SHA-256).
            origin = SigningRequest.Source.file("enclave", e.file().toAbsolutePath().normalize().toString(),
                    read.fileSha256().hex());
            mrenclaveSource = "sdk-enclave";
            defaultName = read.name();
        } else if (spec.source() instanceof EnclaveSource.OeEnclave e) {
            OeEnclaveSource read = OeEnclaveSource.read(e.file(), e.config(), spec.maxMeasuredSize());
            read.checkAgainst(spec.recipe());
            mrenclave = read.mrenclave();
            base = Optional.of(read.template(recipe.date()));
            origin = SigningRequest.Source.file("oe-enclave", e.file().toAbsolutePath().normalize().toString(),
                    read.fileSha256().hex());
            // The oesign configuration fixes the enclave's layout (heap, stack, threads): attach needs it again.
            layout = e.config() == null ? null
                : new SigningRequest.Layout(e.config().toAbsolutePath().normalize().toString(), read.configSha256().hex());
            mrenclaveSource = "oe-enclave";
            defaultName = read.name();
        } else if (spec.source() instanceof EnclaveSource.Layout l) {
            LayoutSource measured = LayoutSource.measure(l.file(), model, spec.maxMeasuredSize());
            mrenclave = measured.mrenclave();
            model = measured.model();
            origin = SigningRequest.Source.file("layout", l.file().toString(), measured.sha256().hex());
            layout = new SigningRequest.Layout(l.file().toString(), measured.sha256().hex());
            mrenclaveSource = "measured-layout";
            defaultName = stem(l.file());
        } else if (spec.source() instanceof EnclaveSource.Sgxs s) {
            mrenclave = Sgxs.measure(s.file(), spec.registry().progress()).mrenclave();
            String sha = Hash256.ofFile(s.file()).hex();
            origin = SigningRequest.Source.file("sgxs", s.file().toString(), sha);
            layout = new SigningRequest.Layout(s.file().toString(), sha);
            mrenclaveSource = "measured-sgxs";
            defaultName = stem(s.file());
        } else {
            EnclaveSource.Given g = (EnclaveSource.Given) spec.source();
            mrenclave = g.mrenclave();
            origin = SigningRequest.Source.given();
            mrenclaveSource = "given";
            defaultName = "enclave-" + mrenclave.hex().substring(0, 12);
        }
        // An SDK enclave's DEBUG bits are kept; an OE enclave's follow its properties, which are measured.
        Sigstruct unsigned = recipe.build(mrenclave, base, sdk || spec.source() instanceof EnclaveSource.OeEnclave);
        return new Prepared(List.of(SigningRequest.create(ToolVersion.version(), spec.name() != null ? spec.name()
            : defaultName, model, origin, spec.target(), layout, mrenclaveSource, null, unsigned, spec.pinnedSigner())),
            Optional.empty());
    }

    /** Writes the requests and DIR/bundle.json (each file atomically; unchanged files left as they are). */
    public static List<RequestWriter.Written> write(Path dir, List<SigningRequest> requests, boolean force) {
        return RequestWriter.write(dir, requests, force, ToolVersion.version());
    }

    /** The image default: sgx1 only, with the original tool's warning. */
    static java.util.Set<MemoryModel> imageModels(PrepareSpec spec, Consumer<String> warnings) {
        if (!spec.models().isEmpty()) {
            return EnumSet.copyOf(spec.models());
        }
        warnings.accept("no --memory-model given: preparing sgx1 only; this default may change, give "
            + "--memory-model sgx1|sgx2|all explicitly");
        return EnumSet.of(MemoryModel.SGX1);
    }

    private static String stem(Path file) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    static SignerException unmeasured(String what) {
        return new SignerException(ErrorKind.POLICY, what);
    }
}
