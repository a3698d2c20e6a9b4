package org.enclaveos.signer.request;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.io.AtomicFiles;
import org.enclaveos.signer.sgx.Hash256;

/**
 * Writes request files and the directory's {@code bundle.json}. An existing request with other
 * content is never replaced unless forced; the same inputs give the same bytes, so a rerun is a no-op.
 */
public final class RequestWriter {
    private RequestWriter() {
    }

    /** What happened to one request file. */
    public record Written(Path file, SigningRequest request, boolean changed) {
    }

    public static List<Written> write(Path dir, List<SigningRequest> requests, boolean force, String toolVersion) {
        return write(dir, requests, force, toolVersion, RequestBundle.MAX_BYTES);
    }

    /**
     * {@link #write} with the bundle's bound as a parameter, so a test can reach it with a few requests.
     * A batch whose bundle would be too large for sign-offline to read is refused before a single file
     * is written.
     */
    static List<Written> write(Path dir, List<SigningRequest> requests, boolean force, String toolVersion,
                               int maxBundleBytes) {
        Path bundleFile = dir.resolve(RequestBundle.FILE_NAME);
        TreeMap<String, String> entries = new TreeMap<>();
        if (Files.exists(bundleFile)) {
            for (RequestBundle.Entry e : RequestBundle.read(bundleFile).files()) {
                entries.put(e.name(), e.sha256());
            }
        }
        // The bundle's size depends on its names alone (every hash is 64 hex digits): it is known before
        // any request is serialized, and the batch's JSON (about 9 KB a request) is never held at once.
        TreeMap<String, String> sized = new TreeMap<>(entries);
        requests.forEach(r -> sized.put(r.fileName(), UNKNOWN_SHA256));
        int size = bundle(sized, toolVersion).length;
        if (size > maxBundleBytes) {
            throw new SignerException(ErrorKind.USAGE, bundleFile + ": " + sized.size() + " request files are more than "
                    + "one directory's bundle lists (" + size + " bytes, at most " + maxBundleBytes
                    + "); nothing written. Split the batch over directories: prepare --batch FILE --shard I/N");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new SignerException(ErrorKind.IO, dir + ": cannot create: " + AtomicFiles.describe(e), e);
        }
        List<Written> out = new ArrayList<>();
        for (SigningRequest r : requests) {
            Path file = dir.resolve(r.fileName());
            byte[] json = r.toJson();
            boolean changed;
            if (force) {
                changed = !sameContent(file, json);
                AtomicFiles.replace(file, json, false);
            } else {
                try {
                    changed = AtomicFiles.createOrConfirm(file, json, false);
                } catch (SignerException e) {
                    throw e.kind() == ErrorKind.OUTPUT_EXISTS
                            ? new SignerException(ErrorKind.OUTPUT_EXISTS, file + ": a request with other content is "
                                    + "already there; not overwritten (use --force to replace it)")
                            : e;
                }
            }
            entries.put(r.fileName(), Hash256.sha256(json).hex());
            out.add(new Written(file, r, changed));
        }
        byte[] bundle = bundle(entries, toolVersion);
        if (!sameContent(bundleFile, bundle)) {
            AtomicFiles.replace(bundleFile, bundle, false);
        }
        return out;
    }

    /** Stands for a hash not computed yet: as long as every SHA-256 in hex. */
    private static final String UNKNOWN_SHA256 = "0".repeat(64);

    private static byte[] bundle(TreeMap<String, String> entries, String toolVersion) {
        List<RequestBundle.Entry> list = entries.entrySet().stream()
                .map(e -> new RequestBundle.Entry(e.getKey(), e.getValue())).toList();
        return new RequestBundle(RequestBundle.SCHEMA, toolVersion, list).toJson();
    }

    private static boolean sameContent(Path file, byte[] content) {
        try {
            return Files.exists(file) && java.util.Arrays.equals(Files.readAllBytes(file), content);
        } catch (IOException e) {
            throw new SignerException(ErrorKind.IO, file + ": cannot read: " + AtomicFiles.describe(e), e);
        }
    }
}
