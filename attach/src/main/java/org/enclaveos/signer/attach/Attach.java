package org.enclaveos.signer.attach;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.image.RegistryClient;
import org.enclaveos.signer.request.RequestSet;
import org.enclaveos.signer.request.SigningRequest;

/**
 * The attach step as a library, for one image or for a whole batch: the requests of a directory are
 * grouped by the image they came from (source reference and manifest digest), each group is checked
 * and attached on its own, {@code jobs} at a time, and one group's failure does not stop the others.
 */
public final class Attach {
    private Attach() {
    }

    /** The requests that came from one source image (or one SDK enclave, which attach only with --enclave-out). */
    public record Group(String name, String source, List<RequestSet.Loaded> requests) {
        public Group {
            requests = List.copyOf(requests);
        }

        /** Whether a request of this group has this name (prepare's --name, or the image's default name). */
        public boolean named(String n) {
            return requests.stream().anyMatch(l -> l.request().name().equals(n));
        }
    }

    /** One group's end: its pushed image, or the error that stopped it. */
    public record Outcome(Group group, Optional<ImageAttach.Result> result, Optional<SignerException> error) {
    }

    /** The requests grouped by source image, in the order of their first request. */
    public static List<Group> groups(List<RequestSet.Loaded> loaded) {
        Map<String, List<RequestSet.Loaded>> byImage = new LinkedHashMap<>();
        for (RequestSet.Loaded l : loaded) {
            SigningRequest.Source s = l.request().source();
            String key = s != null && "image".equals(s.kind()) ? s.reference() + " @ " + s.manifestDigest()
                    : (s == null ? "?" : s.kind()) + ": " + l.id();
            byImage.computeIfAbsent(key, k -> new ArrayList<>()).add(l);
        }
        List<Group> groups = new ArrayList<>();
        byImage.forEach((key, list) -> groups.add(new Group(list.get(0).request().name(), key, list)));
        return groups;
    }

    /** Attaches one image's signatures; {@code target} null: the target prepare recorded. */
    public static ImageAttach.Result image(Group group, Path signatures, SignedRequest.Trust trust, String target,
                                           RegistryClient.Options registry, EvidenceOptions evidence) {
        List<SignedRequest> signed = group.requests().stream().map(l -> SignedRequest.load(l, signatures, trust)).toList();
        return ImageAttach.attach(signed, target, registry, evidence, signatures, trust.withoutResponses());
    }

    /** Every group, {@code jobs} at a time, each to the target its requests name. */
    public static List<Outcome> images(List<Group> groups, Path signatures, SignedRequest.Trust trust,
                                       RegistryClient.Options registry, EvidenceOptions evidence, int jobs) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(jobs, groups.size())));
        try {
            List<Future<Outcome>> futures = new ArrayList<>();
            for (Group g : groups) {
                futures.add(pool.submit(() -> {
                    try {
                        return new Outcome(g, Optional.of(image(g, signatures, trust, null, registry, evidence)), Optional.empty());
                    } catch (SignerException e) {
                        return new Outcome(g, Optional.empty(), Optional.of(e));
                    } catch (RuntimeException e) {
                        return new Outcome(g, Optional.empty(), Optional.of(new SignerException(ErrorKind.INTERNAL,
                                e.toString(), e)));
                    }
                }));
            }
            List<Outcome> outcomes = new ArrayList<>();
            for (Future<Outcome> f : futures) {
                outcomes.add(f.get());
            }
            return outcomes;
        } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
            throw new SignerException(ErrorKind.INTERNAL, "attach interrupted: " + e, e);
        } finally {
            pool.shutdownNow();
        }
    }
}
