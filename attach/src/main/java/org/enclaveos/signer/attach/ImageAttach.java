package org.enclaveos.signer.attach;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.crypto.SigstructVerifier;
import org.enclaveos.signer.image.ConvertedImage;
import org.enclaveos.signer.image.Descriptor;
import org.enclaveos.signer.image.ImageEvidence;
import org.enclaveos.signer.image.ImageReference;
import org.enclaveos.signer.image.ImageRewrite;
import org.enclaveos.signer.image.ImageWriter;
import org.enclaveos.signer.image.Referrers;
import org.enclaveos.signer.image.RegistryClient;
import org.enclaveos.signer.image.ResolvedImage;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.request.SigningRequest;
import org.enclaveos.signer.sgx.Sigstruct;

/**
 * Puts verified signatures into a converted image. Before anything is written: every request comes
 * from the same source image, every request has its signature (checked by {@link SignedRequest}), and
 * the source still resolves to the manifest digest prepare recorded. The new image is the source with
 * only the two signature variables changed (a model not signed gets an empty value, as the original
 * tool did); afterwards the pushed manifest and config are read back by digest and checked again.
 * No layer is downloaded to be inspected: they are content-addressed, and prepare measured exactly these.
 */
public final class ImageAttach {
    private ImageAttach() {
    }

    /** {@code evidence}: the signing evidence artifact pushed next to the image, if one was. */
    public record Result(ImageReference target, String manifestDigest, long bytesUploaded, int layersSent, int layersMounted,
                  Map<MemoryModel, Sigstruct> signatures, Optional<Referrers.Published> evidence) {
    }

    /**
     * @param evidence   whether to publish the signing evidence, and from which journal
     * @param signatureDir the directory sign-offline wrote (responses, default journal)
     */
    public static Result attach(List<SignedRequest> signed, String targetOption, RegistryClient.Options options,
                                EvidenceOptions evidence, java.nio.file.Path signatureDir, boolean withoutResponses) {
        SigningRequest first = signed.get(0).request().request();
        SigningRequest.Source source = first.source();
        Map<MemoryModel, Optional<Sigstruct>> signatures = new EnumMap<>(MemoryModel.class);
        for (MemoryModel m : MemoryModel.values()) {
            signatures.put(m, Optional.empty());
        }
        String target = targetOption;
        for (SignedRequest s : signed) {
            SigningRequest r = s.request().request();
            if (r.source() == null || !"image".equals(r.source().kind())) {
                throw new SignerException(ErrorKind.USAGE, s.request().file() + ": not an image request; --enclave-out is "
                        + "for SGX SDK enclaves");
            }
            if (!r.source().reference().equals(source.reference()) || !r.source().manifestDigest().equals(source.manifestDigest())) {
                throw new SignerException(ErrorKind.INTEGRITY, s.request().file() + ": comes from " + r.source().reference()
                        + " @ " + r.source().manifestDigest() + ", the others from " + source.reference() + " @ "
                        + source.manifestDigest() + "; attach one image at a time");
            }
            if (r.memoryModel() == null) {
                throw SignerException.malformed(s.request().file() + ": an image request without a memory model");
            }
            signatures.put(MemoryModel.fromId(r.memoryModel()), Optional.of(s.sigstruct()));
            if (targetOption == null) {
                if (r.target() == null) {
                    throw new SignerException(ErrorKind.USAGE, s.request().file() + ": the request names no target; "
                            + "give --target REF");
                }
                if (target != null && !target.equals(r.target())) {
                    throw new SignerException(ErrorKind.USAGE, "the requests name different targets (" + target + ", "
                            + r.target() + "); give --target REF");
                }
                target = r.target();
            }
        }
        ImageReference targetRef = ImageReference.parse(target);
        boolean registry = targetRef.transport() == ImageReference.Transport.DOCKER;
        if (evidence.publish() == EvidenceOptions.Publish.REQUIRED && !registry) {
            throw new SignerException(ErrorKind.USAGE, "--evidence: " + targetRef + " is not a registry; signing evidence is "
                    + "published as an OCI referrer, to registries only");
        }
        // Collected, checked and made into its artifact before anything is pushed: a missing journal, or
        // evidence that does not hold, stops attach with nothing written.
        Optional<Referrers.Artifact> artifact = registry && evidence.publish() != EvidenceOptions.Publish.NEVER
                ? Optional.of(ImageEvidence.artifact(evidence.collect(signed, signatureDir, withoutResponses),
                        "the evidence of " + signatureDir))
                : Optional.empty();
        // The reference as prepare was given it must still name the image prepare measured: a tag that moved
        // means the requests describe an image that is no longer the one users get.
        ResolvedImage image;
        try {
            image = ResolvedImage.open(ImageReference.parse(source.reference()), source.platform(), options);
        } catch (SignerException e) {
            throw new SignerException(e.kind(), "the source image no longer resolves as prepare recorded: " + e.getMessage(), e);
        }
        if (!image.manifestDigest().equals(source.manifestDigest())) {
            throw new SignerException(ErrorKind.INTEGRITY, source.reference() + " changed since prepare: it now resolves to "
                    + image.manifestDigest() + ", prepare measured " + source.manifestDigest());
        }
        byte[] config = ImageRewrite.config(image.configBytes(), signatures);
        ImageWriter.Written w = ImageWriter.write(image, config, targetRef, options);

        // Read back by digest and check once more: signatures verify, layers are the source's.
        ResolvedImage pushed = ResolvedImage.open(targetRef.transport() == ImageReference.Transport.DOCKER_ARCHIVE
                ? targetRef : targetRef.withDigest(w.manifestDigest()), source.platform(), options);
        ConvertedImage readBack = ConvertedImage.of(pushed);
        Map<MemoryModel, Sigstruct> attached = new EnumMap<>(MemoryModel.class);
        for (Map.Entry<MemoryModel, Optional<Sigstruct>> e : signatures.entrySet()) {
            Optional<Sigstruct> got = readBack.signatures().get(e.getKey());
            if (!got.equals(e.getValue()) || got.map(s -> !SigstructVerifier.verify(s).valid()).orElse(false)) {
                throw new SignerException(ErrorKind.INTEGRITY, targetRef + ": the pushed image does not carry the "
                        + e.getKey().envVariable() + " that was attached");
            }
            got.ifPresent(s -> attached.put(e.getKey(), s));
        }
        // A docker-archive holds the layers uncompressed, named by diff_id: compare those instead.
        List<String> before = targetRef.transport() == ImageReference.Transport.DOCKER_ARCHIVE
                ? diffIds(image) : image.layers().stream().map(Descriptor::digest).toList();
        List<String> after = pushed.layers().stream().map(Descriptor::digest).toList();
        if (!before.equals(after)) {
            throw new SignerException(ErrorKind.INTEGRITY, targetRef + ": the pushed image's layers differ from the source's");
        }
        Optional<Referrers.Published> published = Optional.empty();
        if (artifact.isPresent()) {
            Descriptor subject = new Descriptor(pushed.manifestMediaType(), w.manifestDigest(), pushed.manifestBytes().length,
                    null);
            try {
                published = Optional.of(Referrers.publish(targetRef, subject, artifact.get(), options));
            } catch (SignerException e) {
                throw new SignerException(e.kind(), "the signed image is pushed (" + targetRef + "@" + w.manifestDigest()
                        + "), its signing evidence is not: " + e.getMessage() + " (run attach again to retry)", e);
            }
        }
        return new Result(targetRef, w.manifestDigest(), w.bytesUploaded(), w.layersSent(), w.layersMounted(), attached,
                published);
    }

    private static List<String> diffIds(ResolvedImage image) {
        List<String> ids = new java.util.ArrayList<>();
        image.config().path("rootfs").path("diff_ids").forEach(d -> ids.add(d.asText()));
        return ids;
    }
}
