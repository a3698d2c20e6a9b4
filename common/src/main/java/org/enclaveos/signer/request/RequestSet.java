package org.enclaveos.signer.request;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.io.AtomicFiles;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;

/**
 * Loads request files as sign-offline and attach receive them: single files, or prepare output
 * directories with their {@code bundle.json}. Every file listed in a bundle must have the SHA-256
 * the bundle records, every request in a directory must be listed, and every request must pass
 * {@link SigningRequest#checkConsistency}. Anything else is refused before any work is done.
 */
public final class RequestSet {

    /** One request as loaded: where it was, the SHA-256 of its file, and its checked SIGSTRUCT. */
    public record Loaded(Path file, Hash256 fileSha256, SigningRequest request, Sigstruct unsigned) {
        public String id() {
            return request.id();
        }
    }

    private RequestSet() {
    }

    public static List<Loaded> load(List<Path> inputs) {
        Map<String, Loaded> byId = new LinkedHashMap<>();
        for (Path input : inputs) {
            for (Loaded l : Files.isDirectory(input) ? loadDirectory(input) : List.of(loadFile(input, bundleBeside(input)))) {
                Loaded previous = byId.putIfAbsent(l.id(), l);
                if (previous != null && !previous.fileSha256().equals(l.fileSha256())) {
                    throw new SignerException(ErrorKind.INTEGRITY, l.file() + ": request " + l.id()
                            + " also comes from " + previous.file() + " with different content");
                }
            }
        }
        if (byId.isEmpty()) {
            throw new SignerException(ErrorKind.USAGE, "no request files given");
        }
        return List.copyOf(byId.values());
    }

    private static List<Loaded> loadDirectory(Path dir) {
        Map<String, Hash256> bundle = readBundle(dir.resolve(RequestBundle.FILE_NAME))
                .orElseThrow(() -> new SignerException(ErrorKind.INTEGRITY, dir + ": no " + RequestBundle.FILE_NAME
                        + "; a request directory is what prepare --out wrote"));
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(SigningRequest.FILE_SUFFIX)).sorted().toList();
        } catch (IOException e) {
            throw new SignerException(ErrorKind.IO, dir + ": cannot list: " + AtomicFiles.describe(e), e);
        }
        for (String listed : bundle.keySet()) {
            if (listed.endsWith(SigningRequest.FILE_SUFFIX) && !Files.exists(dir.resolve(listed))) {
                throw new SignerException(ErrorKind.INTEGRITY, dir.resolve(listed) + ": listed in "
                        + RequestBundle.FILE_NAME + " but missing");
            }
        }
        // Parsing and checking hundreds of requests is independent work: use every core, keep the order.
        return files.parallelStream().map(f -> loadFile(f, bundle)).toList();
    }

    private static Map<String, Hash256> bundleBeside(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        return readBundle(parent.resolve(RequestBundle.FILE_NAME)).orElse(null);
    }

    private static java.util.Optional<Map<String, Hash256>> readBundle(Path file) {
        if (!Files.exists(file)) {
            return java.util.Optional.empty();
        }
        RequestBundle bundle = RequestBundle.read(file);
        if (!RequestBundle.SCHEMA.equals(bundle.schema())) {
            throw new SignerException(ErrorKind.UNSUPPORTED, file + ": schema is '" + bundle.schema() + "', this tool reads "
                    + RequestBundle.SCHEMA);
        }
        Map<String, Hash256> entries = new HashMap<>();
        for (RequestBundle.Entry e : bundle.files()) {
            if (e.name() == null || e.name().contains("/") || e.sha256() == null) {
                throw SignerException.malformed(file + ": entry " + e + " is not a file name with a sha256");
            }
            try {
                entries.put(e.name(), Hash256.parse(file + ": " + e.name(), e.sha256()));
            } catch (IllegalArgumentException ex) {
                throw SignerException.malformed(ex.getMessage());
            }
        }
        return java.util.Optional.of(entries);
    }

    /** Loads one request file, checked against the bundle if there is one. */
    public static Loaded loadFile(Path file, Map<String, Hash256> bundle) {
        byte[] bytes = read(file);
        Hash256 sha = Hash256.sha256(bytes);
        String fileName = file.getFileName().toString();
        if (bundle != null) {
            Hash256 listed = bundle.get(fileName);
            if (listed == null) {
                throw new SignerException(ErrorKind.INTEGRITY, file + ": not listed in " + RequestBundle.FILE_NAME);
            }
            if (!listed.equals(sha)) {
                throw new SignerException(ErrorKind.INTEGRITY, file + ": request was edited: its SHA-256 is " + sha
                        + ", " + RequestBundle.FILE_NAME + " says " + listed);
            }
        }
        return parse(file, bytes, sha);
    }

    /** A request from its bytes ({@code file} names it: its file name is part of the consistency check). */
    public static Loaded parse(Path file, byte[] bytes) {
        return parse(file, bytes, Hash256.sha256(bytes));
    }

    private static Loaded parse(Path file, byte[] bytes, Hash256 sha) {
        String fileName = file.getFileName().toString();
        SigningRequest request = SigningRequest.parse(bytes, file.toString());
        Sigstruct unsigned;
        try {
            unsigned = request.checkConsistency(fileName);
        } catch (SignerException e) {
            throw e.in(file.toString());
        }
        return new Loaded(file, sha, request, unsigned);
    }

    private static byte[] read(Path file) {
        return org.enclaveos.signer.io.SmallFiles.read(file, RequestJson.MAX_BYTES, "request file");
    }
}
