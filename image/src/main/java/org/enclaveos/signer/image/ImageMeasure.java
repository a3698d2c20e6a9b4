package org.enclaveos.signer.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.io.AtomicFiles;
import org.enclaveos.signer.layout.ContentSource;
import org.enclaveos.signer.layout.LayoutBuilder;
import org.enclaveos.signer.layout.LayoutManifest;
import org.enclaveos.signer.measure.Sgxs;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.sgx.Hash256;

/**
 * MRENCLAVE of each requested memory model of a converted image, from the layout files its labels
 * name. An SGXS layout is measured as it streams out of its layer; a layout manifest is read, then the
 * files it names (relative to its directory in the image), each at most {@code maxFileSize} bytes, are
 * copied out of their layers into a private temporary directory, and measured from there with the
 * shared prefix hashed once. A manifest measures its files in enclave order, not in the order a tar
 * stream yields them, so they need random access; on disk, memory stays the same for any size.
 */
public final class ImageMeasure {
    public static final long DEFAULT_MAX_LAYOUT_SIZE = 1L << 30;

    private ImageMeasure() {
    }

    /** What was measured for one model: the layout's path in the image, the file's SHA-256, and the result. */
    public record Result(MemoryModel model, String layoutPath, Hash256 layoutSha256, Hash256 mrenclave) {
    }

    public static Map<MemoryModel, Result> measure(ResolvedImage image, Set<MemoryModel> models, long maxFileSize) {
        Path spool;
        try {
            spool = Files.createTempDirectory("enclaveos-layout-"); // 0700 on POSIX
        } catch (IOException e) {
            throw new SignerException(ErrorKind.IO, "cannot create a temporary directory for layout content: "
                    + AtomicFiles.describe(e), e);
        }
        try {
            return measure(image, models, maxFileSize, spool);
        } finally {
            try (Stream<Path> s = Files.walk(spool)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // the directory is in the temporary area; nothing in it outlives the measurement's use
            }
        }
    }

    private static Map<MemoryModel, Result> measure(ResolvedImage image, Set<MemoryModel> models, long maxFileSize,
                                                    Path spool) {
        ConvertedImage converted = ConvertedImage.of(image);
        // Both labels may name the same file: one manifest describing both models is the natural case.
        Map<String, Set<MemoryModel>> paths = new LinkedHashMap<>();
        for (MemoryModel m : models) {
            String path = converted.layouts().get(m).orElseThrow(() -> SignerException.malformed(image.reference()
                    + ": no layout label " + ConvertedImage.LABEL_PREFIX + m.id() + " for memory model " + m.id()));
            paths.computeIfAbsent(LayerScanner.normalize(path, "label " + ConvertedImage.LABEL_PREFIX + m.id()),
                    k -> java.util.EnumSet.noneOf(MemoryModel.class)).add(m);
        }
        Map<String, Hash256> sgxsResults = new HashMap<>();
        Map<String, Hash256> fileDigests = new HashMap<>();
        Map<String, LayoutManifest> manifests = new HashMap<>();
        Map<String, Path> files = new HashMap<>();
        LayerScanner.FileReader keep = (path, content, size) -> files.put(path, spool(spool, files.size(), content));
        // One scan finds the layouts and, once a manifest is read, the files it names (when they come
        // later in the scan); only files the scan had already passed need a second read, of one layer.
        Map<String, Integer> missed = LayerScanner.findWanting(image, paths.keySet(), maxFileSize, (path, content, size) -> {
            if (!paths.containsKey(path)) {
                keep.read(path, content, size);
                return Set.of();
            }
            if (path.endsWith(".json")) {
                if (size > LayoutManifest.MAX_BYTES) {
                    throw SignerException.malformed(image.reference() + ": " + path + " is too large for a layout manifest");
                }
                byte[] json = content.readAllBytes();
                LayoutManifest manifest = LayoutManifest.parse(json, image.reference() + ": " + path);
                manifests.put(path, manifest);
                fileDigests.put(path, Hash256.sha256(json));
                return contentPaths(path, manifest);
            }
            java.security.MessageDigest file = Hash256.newDigest();
            try {
                sgxsResults.put(path, Sgxs.measure(new java.security.DigestInputStream(content, file)).mrenclave());
            } catch (SignerException e) {
                throw e.in(image.reference() + ": " + path);
            }
            fileDigests.put(path, Hash256.of(file.digest()));
            return Set.of();
        });
        Map<Integer, Set<String>> byLayer = new java.util.TreeMap<>();
        missed.forEach((path, layer) -> byLayer.computeIfAbsent(layer, k -> new TreeSet<>()).add(path));
        byLayer.forEach((layer, wanted) -> LayerScanner.readFromLayer(image, layer, wanted, maxFileSize, keep));
        Map<MemoryModel, Result> out = new EnumMap<>(MemoryModel.class);
        for (Map.Entry<String, Set<MemoryModel>> p : paths.entrySet()) {
            String path = p.getKey();
            LayoutManifest manifest = manifests.get(path);
            Map<MemoryModel, Hash256> measured;
            if (manifest == null) {
                measured = new EnumMap<>(MemoryModel.class);
                for (MemoryModel m : p.getValue()) {
                    measured.put(m, sgxsResults.get(path));
                }
            } else {
                String dir = path.substring(0, path.lastIndexOf('/') + 1);
                ContentSource source = (file, offset) -> {
                    Path copy = files.get(resolve(dir, file, path));
                    InputStream in = copy == null ? InputStream.nullInputStream() : Files.newInputStream(copy);
                    in.skipNBytes(copy == null ? 0 : offset);
                    return in;
                };
                // All the models this manifest serves at once: their shared prefix is hashed once.
                measured = LayoutBuilder.measure(manifest, p.getValue(), source);
            }
            for (MemoryModel m : p.getValue()) {
                out.put(m, new Result(m, path, fileDigests.get(path), measured.get(m)));
            }
        }
        return out;
    }

    /**
     * Copies one wanted file out of its layer into the spool directory. A failed read of the layer
     * stays an IOException (the scanner reads a broken layer again); a failed write is the local
     * disk's, reported as such.
     */
    private static Path spool(Path spool, int n, InputStream content) throws IOException {
        Path copy = spool.resolve(Integer.toString(n));
        byte[] buf = new byte[1 << 16];
        try (java.io.OutputStream out = Files.newOutputStream(copy)) {
            for (int r; (r = content.read(buf)) > 0; ) {
                try {
                    out.write(buf, 0, r);
                } catch (IOException e) {
                    throw spoolFailure(spool, e);
                }
            }
        } catch (java.nio.file.FileSystemException e) {
            throw spoolFailure(spool, e); // creating or closing the copy
        }
        return copy;
    }

    private static SignerException spoolFailure(Path spool, IOException e) {
        return new SignerException(ErrorKind.IO, spool + ": cannot hold the layout's content: " + AtomicFiles.describe(e)
                + " (another temporary directory: ENCLAVEOS_SIGNER_JAVA_OPTS=-Djava.io.tmpdir=DIR)", e);
    }

    /** The files a manifest names (those whose content is measured), as absolute paths in the image. */
    private static Set<String> contentPaths(String manifestPath, LayoutManifest manifest) {
        String dir = manifestPath.substring(0, manifestPath.lastIndexOf('/') + 1);
        Set<String> wanted = new TreeSet<>();
        for (LayoutManifest.Range r : manifest.ranges()) {
            if (r.content() instanceof LayoutManifest.FileBytes f && r.chunkMask() != 0) {
                wanted.add(resolve(dir, f.path(), manifestPath));
            }
        }
        return wanted;
    }

    /** A manifest's content path, inside the image, below the manifest's directory. */
    private static String resolve(String dir, String path, String manifestPath) {
        String full = LayerScanner.normalize(dir + path, manifestPath + " content '" + path + "'");
        if (path.startsWith("/") || !full.startsWith(dir)) {
            throw SignerException.malformed(manifestPath + ": content file '" + path + "' is not below the manifest's directory");
        }
        return full;
    }

}
