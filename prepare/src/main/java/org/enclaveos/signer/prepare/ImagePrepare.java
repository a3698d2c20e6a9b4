package org.enclaveos.signer.prepare;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.image.ConvertedImage;
import org.enclaveos.signer.image.ImageMeasure;
import org.enclaveos.signer.image.ImageReference;
import org.enclaveos.signer.image.RegistryClient;
import org.enclaveos.signer.image.ResolvedImage;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.request.SigningRequest;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;

/**
 * Requests for a converted image: each requested memory model's layout is re-measured (both in one
 * pass over the layers when there are two) and compared with the converter's signature for that
 * model. A mismatch is refused naming both values, unless the caller trusts the measurement. An image
 * with signatures but no layout labels (a plain Data Shield image) falls back to the converter's
 * MRENCLAVE, with a warning, recorded as such in the request.
 */
final class ImagePrepare {
    private ImagePrepare() {
    }

    record Settings(String reference, Set<MemoryModel> models, String platform, long maxLayoutSize,
                    RegistryClient.Options registry, boolean trustMeasurement, String name, String target,
                    SigstructRecipe recipe, Hash256 pinnedSigner, String toolVersion) {
    }

    /** What fetching and measuring an image cost, for progress reports (bytes are what the transport delivered). */
    record Cost(long bytes, long nanos) {
        String describe() {
            double seconds = nanos / 1e9;
            return String.format("%.1f MB in %.2f s (%.1f MB/s)", bytes / 1e6, seconds, seconds > 0 ? bytes / 1e6 / seconds : 0);
        }
    }

    /** The cost of the last {@link #requests} call on this thread (progress for batch runs). */
    static final ThreadLocal<Cost> LAST_COST = new ThreadLocal<>();

    static List<SigningRequest> requests(Settings s, PrintWriter err) {
        long start = System.nanoTime();
        ResolvedImage image = ResolvedImage.open(ImageReference.parse(s.reference()), s.platform(), s.registry());
        ConvertedImage converted = ConvertedImage.of(image);
        Set<MemoryModel> labelled = EnumSet.noneOf(MemoryModel.class);
        for (MemoryModel m : s.models()) {
            if (converted.layouts().get(m).isPresent()) {
                labelled.add(m);
            }
        }
        Map<MemoryModel, ImageMeasure.Result> measured = labelled.isEmpty() ? Map.of()
                : ImageMeasure.measure(image, labelled, s.maxLayoutSize());
        long bytes = image.blobs() instanceof RegistryClient r ? r.bytesFetched()
                : image.layers().stream().mapToLong(org.enclaveos.signer.image.Descriptor::size).sum();
        LAST_COST.set(new Cost(bytes, System.nanoTime() - start));
        String name = s.name() != null ? s.name() : defaultName(image.reference());
        SigningRequest.Source source = new SigningRequest.Source("image", s.reference(), image.manifestDigest(),
                image.configDescriptor().digest(), image.platform(), null, null);
        List<SigningRequest> out = new ArrayList<>();
        for (MemoryModel m : s.models()) {
            Optional<Sigstruct> converter = converted.signatures().get(m);
            ImageMeasure.Result r = measured.get(m);
            Hash256 mrenclave;
            String from;
            SigningRequest.Layout layout = null;
            if (r != null) {
                mrenclave = r.mrenclave();
                from = r.layoutPath().endsWith(".json") ? "measured-layout" : "measured-sgxs";
                layout = new SigningRequest.Layout(r.layoutPath(), r.layoutSha256().hex());
                if (converter.isPresent() && !converter.get().mrenclave().equals(mrenclave)) {
                    if (!s.trustMeasurement()) {
                        throw new SignerException(ErrorKind.INTEGRITY, image.reference() + ": " + m.id() + ": the layout "
                                + r.layoutPath() + " measures " + mrenclave + ", but the converter's signature says "
                                + converter.get().mrenclave() + " (--trust-measurement signs the measured value)");
                    }
                    err.println("warning: " + m.id() + ": the measurement " + mrenclave + " differs from the converter's "
                            + converter.get().mrenclave() + "; signing the measurement (--trust-measurement), recorded in the request");
                }
            } else if (converter.isPresent()) {
                mrenclave = converter.get().mrenclave();
                from = "converter-signature";
                err.println("warning: " + m.id() + ": the image has no layout label " + ConvertedImage.LABEL_PREFIX + m.id()
                        + "; using the converter's MRENCLAVE " + mrenclave + " unverified (recorded in the request)");
            } else {
                throw SignerException.malformed(image.reference() + ": no layout label and no converter signature for "
                        + "memory model " + m.id() + "; nothing to sign");
            }
            Sigstruct unsigned = s.recipe().build(mrenclave, converter, false);
            SigningRequest.Converter conv = converter.map(c -> new SigningRequest.Converter(c.mrenclave().hex(),
                    c.mrenclave().equals(mrenclave))).orElse(null);
            out.add(SigningRequest.create(s.toolVersion(), name, m, source, s.target(), layout, from, conv, unsigned,
                    s.pinnedSigner()));
        }
        return out;
    }

    /** "app-1.0" for registry/team/app:1.0, "app" for an untagged or digest reference. */
    static String defaultName(ImageReference ref) {
        String base = switch (ref.transport()) {
            case DOCKER -> ref.repository().substring(ref.repository().lastIndexOf('/') + 1);
            default -> ref.path().getFileName().toString();
        };
        String n = ref.tag() != null ? base + "-" + ref.tag() : base;
        return n.replaceAll("[^A-Za-z0-9._-]", "-").replaceAll("^[^A-Za-z0-9]+", "");
    }
}
