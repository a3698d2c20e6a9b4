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
     * Everything is serialized first: a batch whose bundle would be too large for sign-offline to read
     * is refused before a single file is written.
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
        List<byte[]> jsons = new ArrayList<>();
        for (SigningRequest r : requests) {
            byte[] json = r.toJson();
            jsons.add(json);
            entries.put(r.fileName(), Hash256.sha256(json).hex());
        }
        List<RequestBundle.Entry> list = entries.entrySet().stream()
                .map(e -> new RequestBundle.Entry(e.getKey(), e.getValue())).toList();
        byte[] bundle = new RequestBundle(RequestBundle.SCHEMA, toolVersion, list).toJson();
        if (bundle.length > maxBundleBytes) {
            throw new SignerException(ErrorKind.USAGE, bundleFile + ": " + list.size() + " request files are more than "
                    + "one directory's bundle lists (" + bundle.length + " bytes, at most " + maxBundleBytes
                    + "); nothing written. Split the batch over directories: prepare --batch FILE --shard I/N");
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new SignerException(ErrorKind.IO, dir + ": cannot create: " + AtomicFiles.describe(e), e);
        }
        List<Written> out = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            SigningRequest r = requests.get(i);
            Path file = dir.resolve(r.fileName());
            byte[] json = jsons.get(i);
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
            out.add(new Written(file, r, changed));
        }
        if (!sameContent(bundleFile, bundle)) {
            AtomicFiles.replace(bundleFile, bundle, false);
        }
        return out;
    }

    private static boolean sameContent(Path file, byte[] content) {
        try {
            return Files.exists(file) && java.util.Arrays.equals(Files.readAllBytes(file), content);
        } catch (IOException e) {
            throw new SignerException(ErrorKind.IO, file + ": cannot read: " + AtomicFiles.describe(e), e);
        }
    }
}
