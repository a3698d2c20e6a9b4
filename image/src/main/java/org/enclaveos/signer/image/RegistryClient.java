package org.enclaveos.signer.image;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;


import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.sgx.Hash256;

/**
 * The few distribution-API endpoints we need (manifests and blobs by digest), over java.net.http.
 * jib-core's RegistryClient parses manifests into templates that drop annotations and unknown
 * fields, so it cannot give us the raw bytes a digest is computed over; we use jib-core for what it
 * does well, credentials (docker config.json and credential helpers), see {@link RegistryCredentials}.
 * TLS always, except for loopback registries (as docker does) and hosts named with
 * {@code --insecure-registry}. Bearer-token and basic authentication: {@link RegistryAuth}.
 */
public final class RegistryClient implements BlobStore {
    private static final String ACCEPT = String.join(",", MediaTypes.OCI_MANIFEST, MediaTypes.OCI_INDEX,
            MediaTypes.DOCKER_MANIFEST, MediaTypes.DOCKER_LIST);

    /** How to reach registries. */
    public record Options(Set<String> insecureRegistries, Optional<Path> authFile, Duration timeout,
                          org.enclaveos.signer.io.Progress progress) {
        /** Without progress reports. */
        public Options(Set<String> insecureRegistries, Optional<Path> authFile, Duration timeout) {
            this(insecureRegistries, authFile, timeout, org.enclaveos.signer.io.Progress.NONE);
        }

        /** These options, reporting blob reads and uploads to {@code p}. */
        public Options withProgress(org.enclaveos.signer.io.Progress p) {
            return new Options(insecureRegistries, authFile, timeout, p);
        }

        public static Options defaults() {
            return insecure(Set.of());
        }

        /** The defaults, with plain HTTP also allowed to these hosts ({@code --insecure-registry}). */
        public static Options insecure(Set<String> hosts) {
            return of(hosts, Duration.ofSeconds(60));
        }

        /** {@code --insecure-registry} hosts and {@code --registry-timeout}; credentials found as usual. */
        public static Options of(Set<String> insecureHosts, Duration timeout) {
            return new Options(insecureHosts, Optional.empty(), timeout);
        }
    }

    private final ImageReference ref;
    private final Options options;
    private final HttpClient http;
    private final String base;
    private final Map<String, byte[]> manifests = new HashMap<>();
    private final AtomicLong bytesFetched = new AtomicLong();
    private final RegistryAuth auth;
    private final CredentialScope scope;
    /** The Authorization header for the next request: set once a challenge has been answered. */
    private String authorization;

    public RegistryClient(ImageReference ref, Options options) {
        this.ref = ref;
        this.options = options;
        boolean plain = ref.isLoopbackRegistry() || options.insecureRegistries().contains(ref.registry());
        String host = ref.registry().equals(ImageReference.DEFAULT_REGISTRY) ? "registry-1.docker.io" : ref.registry();
        this.base = (plain ? "http://" : "https://") + host + "/v2/" + ref.repository();
        // Redirects are followed here, by hand (sendAllowing): the client's own following would re-send
        // the Authorization header to wherever the registry points (object stores, CDNs), even over HTTP.
        this.http = HttpClient.newBuilder().connectTimeout(options.timeout()).followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.scope = new CredentialScope(URI.create(base), options.insecureRegistries());
        this.auth = new RegistryAuth(ref, options, http, scope);
    }

    private final AtomicLong bytesUploaded = new AtomicLong();

    /** The API base URL (scheme shows whether TLS is used). */
    String baseUrl() {
        return base;
    }

    /** Bytes sent to the registry so far (blob uploads and manifests). */
    public long bytesUploaded() {
        return bytesUploaded.get();
    }

    /** Whether the repository already has the blob. */
    boolean hasBlob(String digest) {
        HttpResponse<InputStream> r = sendAllowing(HttpRequest.newBuilder(URI.create(base + "/blobs/" + digest))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()), "blob " + digest, Set.of(200, 404));
        discard(r);
        return r.statusCode() == 200;
    }

    /** Asks the registry to link a blob from another repository it holds; false if it would rather have it uploaded. */
    boolean mount(String digest, String fromRepository) {
        HttpResponse<InputStream> r = sendAllowing(HttpRequest.newBuilder(URI.create(base + "/blobs/uploads/?mount="
                + digest + "&from=" + URLEncoder.encode(fromRepository, StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.noBody()), "mount " + digest, Set.of(201, 202));
        discard(r);
        return r.statusCode() == 201;
    }

    /** Uploads a blob in one request (POST for a session, PUT with the digest), streaming its bytes. */
    void upload(String digest, long size, java.util.function.Supplier<InputStream> content) {
        HttpResponse<InputStream> start = sendAllowing(HttpRequest.newBuilder(URI.create(base + "/blobs/uploads/"))
                .POST(HttpRequest.BodyPublishers.noBody()), "upload " + digest, Set.of(202));
        discard(start);
        String location = start.headers().firstValue("Location").orElseThrow(() -> new SignerException(ErrorKind.REGISTRY,
                ref.registry() + ": upload session without a Location"));
        URI uri = URI.create(base).resolve(location);
        String sep = uri.getRawQuery() == null ? "?" : "&";
        HttpRequest.Builder put = HttpRequest.newBuilder(URI.create(uri + sep + "digest=" + digest))
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(
                        () -> options.progress().counting(content.get(), "pushing " + ref.registry() + " "
                                + shortDigest(digest), size)), size));
        // The request timeout runs until the answer's headers, so through the whole upload: allow the
        // timeout plus one second per megabyte (a link slower than 1 MB/s counts as stalled).
        discard(sendAllowing(put, "upload " + digest, Set.of(201), options.timeout().plusMillis(size / 1000)));
        bytesUploaded.addAndGet(size);
    }

    /** Puts the manifest under {@code tag}, exactly these bytes; returns the digest the registry reports. */
    String putManifest(String tag, String mediaType, byte[] manifest) {
        HttpResponse<InputStream> r = sendAllowing(HttpRequest.newBuilder(URI.create(base + "/manifests/" + tag))
                .header("Content-Type", mediaType).PUT(HttpRequest.BodyPublishers.ofByteArray(manifest)),
                "manifest " + tag, Set.of(201));
        discard(r);
        bytesUploaded.addAndGet(manifest.length);
        String expected = "sha256:" + Hash256.sha256(manifest).hex();
        String reported = r.headers().firstValue("Docker-Content-Digest").orElse(expected);
        if (!reported.equals(expected)) {
            throw new SignerException(ErrorKind.INTEGRITY, ref.registry() + " stored the manifest as " + reported
                    + ", not " + expected);
        }
        return expected;
    }

    /** A manifest or index by tag or digest, with its media type; empty if the registry has none of that name. */
    Optional<Document> manifestIfPresent(String reference) {
        HttpResponse<InputStream> r = sendAllowing(HttpRequest.newBuilder(URI.create(base + "/manifests/" + reference))
                .header("Accept", ACCEPT).GET(), "manifest " + reference, Set.of(200, 404));
        if (r.statusCode() == 404) {
            discard(r);
            return Optional.empty();
        }
        return Optional.of(new Document(contentType(r), readBounded(r, MAX_DOCUMENT_BYTES, "manifest " + reference)));
    }

    /** A small JSON document as the registry sent it: its Content-Type (without parameters) and bytes. */
    record Document(String mediaType, byte[] bytes) {
    }

    /** At most this many pages of a referrers list are read. */
    static final int MAX_REFERRER_PAGES = 64;

    /**
     * The OCI 1.1 referrers API: the pages of the image index listing the manifests whose subject is
     * {@code digest}, or empty if the registry does not offer the API. Asked, not inferred from headers:
     * a registry that has the API answers 200 with an image index, even when nothing refers to the digest.
     */
    Optional<List<byte[]>> referrers(String digest) {
        List<byte[]> pages = new java.util.ArrayList<>();
        URI next = URI.create(base + "/referrers/" + digest);
        while (next != null) {
            HttpResponse<InputStream> r = sendAllowing(HttpRequest.newBuilder(next).header("Accept", MediaTypes.OCI_INDEX)
                    .GET(), "referrers of " + digest, Set.of(200, 400, 404, 405));
            if (r.statusCode() != 200 || !MediaTypes.OCI_INDEX.equals(contentType(r))) {
                discard(r);
                if (pages.isEmpty()) {
                    return Optional.empty();
                }
                throw new SignerException(ErrorKind.REGISTRY, ref.registry() + ": referrers of " + digest + ": page "
                        + (pages.size() + 1) + " answered HTTP " + r.statusCode());
            }
            pages.add(readBounded(r, MAX_DOCUMENT_BYTES, "referrers of " + digest));
            if (pages.size() == MAX_REFERRER_PAGES) {
                throw SignerException.malformed(ref.registry() + ": referrers of " + digest + ": more than "
                        + MAX_REFERRER_PAGES + " pages");
            }
            next = nextPage(next, r.headers().firstValue("Link").orElse(null));
        }
        return Optional.of(pages);
    }

    /** {@code Link: <URL>; rel="next"}: the next page, on the same registry (credentials go nowhere else). */
    private URI nextPage(URI current, String link) {
        if (link == null) {
            return null;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("<([^>]*)>\\s*;\\s*rel=\"?next\"?").matcher(link);
        if (!m.find()) {
            return null;
        }
        URI to = current.resolve(m.group(1));
        if (!scope.isRegistry(to)) {
            throw new SignerException(ErrorKind.REGISTRY, ref.registry() + ": the referrers list continues at "
                    + to.getHost() + ", another host; refused");
        }
        return to;
    }

    private static String contentType(HttpResponse<?> r) {
        return r.headers().firstValue("Content-Type").map(t -> t.split(";")[0].trim()).orElse(null);
    }

    /** Bytes received from the registry so far (manifests and blobs). */
    public long bytesFetched() {
        return bytesFetched.get();
    }

    /** The descriptor of the tag or digest the reference names (fetching the manifest once). */
    Descriptor top() {
        String reference = ref.digest() != null ? ref.digest() : ref.tag();
        HttpResponse<InputStream> r = send(HttpRequest.newBuilder(URI.create(base + "/manifests/" + reference))
                .header("Accept", ACCEPT).GET(), "manifest " + reference);
        byte[] body = readBounded(r, MAX_DOCUMENT_BYTES, "manifest " + reference);
        String digest = "sha256:" + Hash256.sha256(body).hex();
        if (ref.digest() != null && !ref.digest().equals(digest)) {
            throw new SignerException(ErrorKind.INTEGRITY, ref + ": the registry returned a manifest whose digest is " + digest);
        }
        manifests.put(digest, body);
        String type = r.headers().firstValue("Content-Type").map(t -> t.split(";")[0].trim()).orElse(null);
        return new Descriptor(type, digest, body.length, null);
    }

    @Override
    public InputStream openRaw(Descriptor d) throws IOException {
        byte[] cached = manifests.get(d.digest());
        if (cached != null) {
            return new java.io.ByteArrayInputStream(cached);
        }
        boolean manifest = d.mediaType() != null && (MediaTypes.MANIFESTS.contains(d.mediaType())
                || MediaTypes.INDEXES.contains(d.mediaType()));
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(base + (manifest ? "/manifests/" : "/blobs/") + d.digest()));
        if (manifest) {
            req.header("Accept", ACCEPT);
        }
        String what = (manifest ? "manifest " : "blob ") + d.digest();
        InputStream body = StallGuard.guard(send(req.GET(), what).body(), options.timeout(), ref.registry() + ": " + what);
        // Layers are what take time; manifests and configs are small documents.
        if (!manifest && d.size() > BlobStore.MAX_DOCUMENT_BYTES / 4 || d.mediaType() != null && d.mediaType().contains("layer")) {
            body = options.progress().counting(body, "reading " + ref.registry() + " " + shortDigest(d.digest()), d.size());
        }
        return new ReadThrough(body) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = in.read(b, off, len);
                if (n > 0) {
                    bytesFetched.addAndGet(n);
                }
                return n;
            }
        };
    }

    /** sha256:0123456789ab, enough to tell layers apart in a progress line. */
    private static String shortDigest(String digest) {
        return digest.length() > 19 ? digest.substring(0, 19) : digest;
    }

    private HttpResponse<InputStream> send(HttpRequest.Builder request, String what) {
        return sendAllowing(request, what, Set.of(200));
    }

    /** Transient failures (a dropped connection, a timeout, 429 and 5xx answers) are tried this many times. */
    static final int ATTEMPTS = 4;

    private HttpResponse<InputStream> sendAllowing(HttpRequest.Builder request, String what, Set<Integer> ok) {
        return sendAllowing(request, what, ok, options.timeout());
    }

    /** Redirect answers followed, at most {@link #MAX_REDIRECTS} in a row. */
    private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);
    static final int MAX_REDIRECTS = 5;

    private HttpResponse<InputStream> sendAllowing(HttpRequest.Builder request, String what, Set<Integer> ok,
                                                   Duration timeout) {
        int transientFailures = 0;
        int redirects = 0;
        boolean authenticated = false;
        HttpRequest.Builder current = request;
        while (true) {
            HttpRequest.Builder r = current.copy().timeout(timeout);
            URI uri = r.build().uri();
            // Credentials go to the registry they were configured for, and nowhere a redirect points.
            if (authorization != null && scope.isRegistry(uri)) {
                r.header("Authorization", authorization);
            }
            HttpResponse<InputStream> response;
            try {
                response = http.send(r.build(), HttpResponse.BodyHandlers.ofInputStream());
            } catch (IOException e) {
                if (++transientFailures < ATTEMPTS && !(e instanceof java.net.ConnectException)) {
                    backoff(transientFailures);
                    continue;
                }
                throw new SignerException(ErrorKind.REGISTRY, ref.registry() + ": " + what + ": "
                        + RegistryErrors.describe(e, timeout)
                        + (transientFailures > 1 ? " (after " + transientFailures + " attempts)" : ""), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SignerException(ErrorKind.REGISTRY, ref.registry() + ": interrupted", e);
            }
            int status = response.statusCode();
            if (ok.contains(status)) {
                return response;
            }
            if (status == 404) {
                throw new SignerException(ErrorKind.REGISTRY, RegistryErrors.notFound(ref, what, errorBody(response),
                        this::repositoryExists));
            }
            discard(response);
            if (REDIRECTS.contains(status)) {
                if (++redirects > MAX_REDIRECTS) {
                    throw new SignerException(ErrorKind.REGISTRY, ref.registry() + ": " + what + ": more than "
                            + MAX_REDIRECTS + " redirects");
                }
                String location = response.headers().firstValue("Location").orElseThrow(() -> new SignerException(
                        ErrorKind.REGISTRY, ref.registry() + ": " + what + ": a redirect without a Location"));
                URI to = scope.redirect(uri, location, ref.registry() + ": " + what);
                current = status == 303 ? request.copy().uri(to).GET() : request.copy().uri(to);
                continue;
            }
            if ((status == 429 || status >= 500) && ++transientFailures < ATTEMPTS) {
                backoff(transientFailures);
                continue;
            }
            if (status == 401 && !authenticated && scope.isRegistry(uri)) {
                authenticated = true;
                authorization = auth.answer(response.headers().firstValue("WWW-Authenticate").orElse(""));
                continue;
            }
            if (status == 401 || status == 403) {
                throw new SignerException(ErrorKind.REGISTRY, "unauthorized for " + ref.registry() + "/" + ref.repository()
                        + " (" + what + (scope.isRegistry(uri) ? "" : ", at " + uri.getHost() + " where the registry redirected")
                        + "); check the credentials in your docker config.json or REGISTRY_AUTH_FILE");
            }
            throw new SignerException(ErrorKind.REGISTRY, ref + ": " + what + ": HTTP " + status
                    + (transientFailures > 1 ? " (after " + transientFailures + " attempts)" : ""));
        }
    }

    /** 200 ms, 400 ms, 800 ms: bounded, so a dead registry fails in about 1.5 s plus the timeouts. */
    private static void backoff(int failures) {
        try {
            Thread.sleep(100L << failures);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SignerException(ErrorKind.REGISTRY, "interrupted", e);
        }
    }

    private byte[] readBounded(HttpResponse<InputStream> r, int limit, String what) {
        long declared = r.headers().firstValueAsLong("Content-Length").orElse(-1);
        if (declared > limit) {
            discard(r);
            throw SignerException.malformed(ref + ": " + what + " is " + declared + " bytes; at most " + limit + " are read");
        }
        try (InputStream in = StallGuard.guard(r.body(), options.timeout(), ref.registry() + ": " + what)) {
            byte[] b = in.readNBytes(limit + 1);
            if (b.length > limit) {
                throw SignerException.malformed(ref + ": " + what + " is larger than " + limit + " bytes");
            }
            bytesFetched.addAndGet(b.length);
            return b;
        } catch (IOException e) {
            throw new SignerException(ErrorKind.REGISTRY, ref + ": " + what + ": " + RegistryErrors.describe(e, options.timeout()),
                    e);
        }
    }

    /** Whether the repository answers its tag list (asked only to word a missing manifest). */
    private boolean repositoryExists() {
        HttpResponse<InputStream> r = sendAllowing(HttpRequest.newBuilder(URI.create(base + "/tags/list")).GET(), "tag list",
                Set.of(200, 404));
        discard(r);
        return r.statusCode() == 200;
    }

    /** An error answer's body, for its error code: the first 64 KiB, or nothing if it cannot be read. */
    private byte[] errorBody(HttpResponse<InputStream> r) {
        try (InputStream in = StallGuard.guard(r.body(), options.timeout(), ref.registry() + ": an error answer")) {
            return in.readNBytes(1 << 16);
        } catch (IOException e) {
            return new byte[0];
        }
    }

    private void discard(HttpResponse<InputStream> r) {
        try (InputStream in = StallGuard.guard(r.body(), options.timeout(), ref.registry() + ": an answer's body")) {
            in.readNBytes(1 << 16);
        } catch (IOException ignored) {
            // an error answer's body is only informational
        }
    }
}
