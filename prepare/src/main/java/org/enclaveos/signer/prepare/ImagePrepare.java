package org.enclaveos.signer.prepare;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

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

    static Prepare.Prepared requests(PrepareSpec s, EnclaveSource.Image source, Consumer<String> warnings) {
        long start = System.nanoTime();
        Set<MemoryModel> models = Prepare.imageModels(s, warnings);
        SigstructRecipe recipe = s.recipe().date() != null ? s.recipe() : s.recipe().withDate(s.defaultDate());
        ResolvedImage image = ResolvedImage.open(ImageReference.parse(source.reference()), s.platform(), s.registry());
        ConvertedImage converted = ConvertedImage.of(image);
        Set<MemoryModel> labelled = EnumSet.noneOf(MemoryModel.class);
        for (MemoryModel m : models) {
            if (converted.layouts().get(m).isPresent()) {
                labelled.add(m);
            }
        }
        Map<MemoryModel, ImageMeasure.Result> measured = labelled.isEmpty() ? Map.of()
                : ImageMeasure.measure(image, labelled, s.maxLayoutSize());
        long bytes = image.blobs() instanceof RegistryClient r ? r.bytesFetched()
                : image.layers().stream().mapToLong(org.enclaveos.signer.image.Descriptor::size).sum();
        Prepare.Cost cost = new Prepare.Cost(bytes, System.nanoTime() - start);
        String name = s.name() != null ? s.name() : defaultName(image.reference());
        SigningRequest.Source origin = new SigningRequest.Source("image", source.reference(), image.manifestDigest(),
                image.configDescriptor().digest(), image.platform(), null, null);
        List<SigningRequest> out = new ArrayList<>();
        for (MemoryModel m : models) {
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
                    warnings.accept(m.id() + ": the measurement " + mrenclave + " differs from the converter's "
                            + converter.get().mrenclave() + "; signing the measurement (--trust-measurement), recorded in the request");
                }
            } else if (converter.isPresent()) {
                mrenclave = converter.get().mrenclave();
                from = "converter-signature";
                if (s.recipe().production() && !s.allowUnmeasured()) {
                    // Nothing here re-measured the enclave: a production key would vouch for the converter's word.
                    throw new SignerException(ErrorKind.POLICY, image.reference() + ": " + m.id() + ": the image has no "
                            + "layout label " + ConvertedImage.LABEL_PREFIX + m.id() + ", so its MRENCLAVE cannot be "
                            + "re-measured; a production request needs --allow-unmeasured to take the converter's "
                            + mrenclave + " as it is");
                }
                warnings.accept(m.id() + ": the image has no layout label " + ConvertedImage.LABEL_PREFIX + m.id()
                        + "; using the converter's MRENCLAVE " + mrenclave + " unverified (recorded in the request)");
            } else {
                throw SignerException.malformed(image.reference() + ": no layout label and no converter signature for "
                        + "memory model " + m.id() + "; nothing to sign");
            }
            Sigstruct unsigned = recipe.build(mrenclave, converter, false);
            SigningRequest.Converter conv = converter.map(c -> new SigningRequest.Converter(c.mrenclave().hex(),
                    c.mrenclave().equals(mrenclave))).orElse(null);
            out.add(SigningRequest.create(org.enclaveos.signer.ToolVersion.version(), name, m, origin, s.target(), layout,
                    from, conv, unsigned, s.pinnedSigner()));
        }
        return new Prepare.Prepared(out, Optional.of(cost));
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
