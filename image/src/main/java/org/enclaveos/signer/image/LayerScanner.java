package org.enclaveos.signer.image;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;

/**
 * Finds files in an image without unpacking it: layers are streamed top-down and each wanted file is
 * handed to its reader straight from the tar entry, the first time it is seen in a layer where no
 * upper layer has deleted it (a {@code .wh.NAME} whiteout, or a {@code .wh..wh..opq} opaque directory).
 * Layers below the lowest one needed are never read. Symbolic links are followed inside the image
 * root only. Each layer's digest is checked before the scan returns, so a reader's result counts only
 * if {@link #find} returns normally.
 */
public final class LayerScanner {
    static final String WHITEOUT = ".wh.";
    static final String OPAQUE = ".wh..wh..opq";
    static final int MAX_SYMLINKS = 16;
    static final int LAYER_ATTEMPTS = 3;
    /** A layer whose uncompressed stream exceeds its compressed size by this factor is a decompression bomb. */
    static final long MAX_EXPANSION = 1000;

    /** Reads one wanted file; {@code size} is its length in bytes. */
    @FunctionalInterface
    public interface FileReader {
        void read(String path, InputStream content, long size) throws IOException;
    }

    /** A reader that may ask for more files once it has read one (a layout manifest names its content). */
    @FunctionalInterface
    public interface WantingReader {
        /** @return further absolute paths wanted, looked for in the rest of this scan */
        Set<String> read(String path, InputStream content, long size) throws IOException;
    }

    private LayerScanner() {
    }

    /**
     * Hands each of {@code wanted} (absolute paths) to {@code reader}; refuses (naming the path) any that
     * is missing, is not a regular file, is larger than {@code maxFileSize}, or escapes the root.
     */
    public static void find(ResolvedImage image, Set<String> wanted, long maxFileSize, FileReader reader) {
        Map<String, Integer> missed = findWanting(image, wanted, maxFileSize, (path, content, size) -> {
            reader.read(path, content, size);
            return Set.of();
        });
        if (!missed.isEmpty()) {
            throw new IllegalStateException("a FileReader cannot want more files");
        }
    }

    /**
     * As {@link #find(ResolvedImage, Set, long, FileReader)}, with files wanted along the way. A file
     * asked for after the scan has passed it (in an upper layer, or earlier in this one) is returned
     * with the index of the layer that holds it, to be read from that one layer ({@link #readFromLayer});
     * the others are found in this scan.
     */
    public static Map<String, Integer> findWanting(ResolvedImage image, Set<String> wanted, long maxFileSize, WantingReader reader) {
        Map<String, Integer> missed = new HashMap<>();
        Map<String, String> pending = new HashMap<>(); // path looked for -> path the caller asked for
        for (String w : wanted) {
            pending.put(normalize(w, w), w);
        }
        Set<String> hidden = new HashSet<>();      // deleted by a whiteout in an upper layer
        Set<String> opaque = new HashSet<>();      // directories made opaque in an upper layer
        Set<String> seen = new HashSet<>();        // every path an upper layer had
        Map<String, Integer> firstAt = new HashMap<>(); // where each visible path's topmost copy is
        List<Descriptor> layers = image.layers();
        int symlinks = 0;
        Map<String, List<String>> failures = new HashMap<>(); // per layer: why each attempt failed
        for (int i = layers.size() - 1; i >= 0 && !pending.isEmpty(); i--) {
            Descriptor layer = layers.get(i);
            Map<String, String> snapshot = new HashMap<>(pending);
            Set<String> seenBefore = new HashSet<>(seen);
            Set<String> hiddenHere = new HashSet<>();
            Set<String> opaqueHere = new HashSet<>();
            Map<String, String> links = new HashMap<>();
            try (InputStream verified = image.blobs().open(layer);
                 InputStream bounded = new Bounded(decompress(verified), layer);
                 TarArchiveInputStream tar = new TarArchiveInputStream(bounded)) {
                for (TarArchiveEntry e; (e = nextEntry(tar)) != null; ) {
                    String path = normalize(e.getName(), "layer " + layer.digest() + " entry");
                    String name = path.substring(path.lastIndexOf('/') + 1);
                    String parent = path.substring(0, Math.max(1, path.lastIndexOf('/')));
                    if (name.equals(OPAQUE)) {
                        opaqueHere.add(parent);
                        continue;
                    }
                    if (name.startsWith(WHITEOUT)) {
                        hiddenHere.add((parent.equals("/") ? "" : parent) + "/" + name.substring(WHITEOUT.length()));
                        continue;
                    }
                    if (!seen.contains(path) && !isHidden(path, hidden, opaque) && e.isFile()) {
                        firstAt.put(path, i);
                    }
                    if (!pending.containsKey(path) || isHidden(path, hidden, opaque) || seen.contains(path)) {
                        seen.add(path);
                        continue;
                    }
                    seen.add(path);
                    String asked = pending.remove(path);
                    if (e.isSymbolicLink()) {
                        if (++symlinks > MAX_SYMLINKS) {
                            throw SignerException.malformed(image.reference() + ": " + asked + ": too many symbolic links");
                        }
                        String target = e.getLinkName().startsWith("/") ? e.getLinkName() : parent + "/" + e.getLinkName();
                        links.put(normalize(target, asked + " (a symbolic link to " + e.getLinkName() + ")"), asked);
                    } else if (!e.isFile() || e.isLink()) {
                        throw SignerException.malformed(image.reference() + ": " + asked + " is not a regular file in layer "
                                + layer.digest());
                    } else if (e.getSize() > maxFileSize) {
                        throw SignerException.malformed(image.reference() + ": " + asked + " has " + e.getSize()
                                + " bytes, more than the limit of " + maxFileSize + " (--max-layout-size)");
                    } else {
                        for (String more : reader.read(asked, new Unclosable(tar), e.getSize())) {
                            String p = normalize(more, asked + " wants '" + more + "'");
                            if (seen.contains(p)) {
                                Integer at = firstAt.get(p);
                                if (at == null) {
                                    throw SignerException.malformed(image.reference() + ": " + more + " (named by "
                                            + asked + ") is not a regular file in the image");
                                }
                                missed.put(more, at);
                            } else {
                                pending.putIfAbsent(p, more);
                            }
                        }
                    }
                }
            } catch (IOException e) {
                rethrowIfCorrupted(e);
                // A stream that broke half-way (a dropped connection) is read again from the start, a few times.
                List<String> failed = failures.computeIfAbsent(layer.digest(), k -> new ArrayList<>());
                if (failed.size() + 1 < LAYER_ATTEMPTS) {
                    failed.add(e.getMessage());
                    pending.putAll(snapshot);
                    seen.clear();
                    seen.addAll(seenBefore);
                    i++;
                    continue;
                }
                throw gaveUp(image, layer, e, failed);
            }
            for (Map.Entry<String, String> link : links.entrySet()) {
                if (seen.contains(link.getKey()) && !isHidden(link.getKey(), hidden, opaque)) {
                    throw new SignerException(ErrorKind.UNSUPPORTED, image.reference() + ": " + link.getValue()
                            + " links to " + link.getKey() + ", which an upper layer provides; not supported");
                }
                pending.put(link.getKey(), link.getValue());
            }
            hidden.addAll(hiddenHere);
            opaque.addAll(opaqueHere);
        }
        if (!pending.isEmpty()) {
            throw SignerException.malformed(image.reference() + ": no file " + String.join(", ", pending.values())
                    + " in the image");
        }
        return missed;
    }

    /** Reads {@code paths} (absolute, regular files) from layer {@code index} alone, which the caller knows holds them. */
    public static void readFromLayer(ResolvedImage image, int index, Set<String> paths, long maxFileSize, FileReader reader) {
        Descriptor layer = image.layers().get(index);
        List<String> failed = new ArrayList<>();
        Set<String> left = new HashSet<>();
        paths.forEach(p -> left.add(normalize(p, p)));
        for (int attempt = 1; ; attempt++) {
            Set<String> todo = new HashSet<>(left);
            try (InputStream verified = image.blobs().open(layer);
                 InputStream bounded = new Bounded(decompress(verified), layer);
                 TarArchiveInputStream tar = new TarArchiveInputStream(bounded)) {
                for (TarArchiveEntry e; (e = nextEntry(tar)) != null && !todo.isEmpty(); ) {
                    String path = normalize(e.getName(), "layer " + layer.digest() + " entry");
                    if (todo.remove(path)) {
                        if (e.getSize() > maxFileSize) {
                            throw SignerException.malformed(image.reference() + ": " + path + " has " + e.getSize()
                                    + " bytes, more than the limit of " + maxFileSize + " (--max-layout-size)");
                        }
                        reader.read(path, new Unclosable(tar), e.getSize());
                    }
                }
                if (!todo.isEmpty()) {
                    throw SignerException.malformed(image.reference() + ": layer " + layer.digest() + " no longer has "
                            + String.join(", ", todo));
                }
                return;
            } catch (IOException e) {
                rethrowIfCorrupted(e);
                if (attempt >= LAYER_ATTEMPTS) {
                    throw gaveUp(image, layer, e, failed);
                }
                failed.add(e.getMessage());
            }
        }
    }

    /**
     * A layer whose every attempt failed: the last reason, and any other the earlier attempts met. A
     * registry that goes silent on one attempt may drop the connection on the next; the operator needs
     * both, not only the JDK's "closed" of the last.
     */
    private static SignerException gaveUp(ResolvedImage image, Descriptor layer, IOException last, List<String> earlier) {
        Set<String> other = new java.util.LinkedHashSet<>(earlier);
        other.remove(last.getMessage());
        return new SignerException(ErrorKind.REGISTRY, image.reference() + ": layer " + layer.digest() + ", after "
                + LAYER_ATTEMPTS + " attempts: " + last.getMessage()
                + (other.isEmpty() ? "" : "; before that: " + String.join("; ", other)), last);
    }

    /**
     * The next entry, or null at the end. Some writers (umoci, seen here) end a layer right after the
     * last file's data, without its padding or the end-of-archive blocks; Go's reader, which the
     * container tools use, accepts that, and so do we. The layer's digest is still checked in full.
     */
    private static TarArchiveEntry nextEntry(TarArchiveInputStream tar) throws IOException {
        try {
            return tar.getNextEntry();
        } catch (IOException e) {
            if ("Truncated TAR archive".equals(e.getMessage())) {
                return null;
            }
            throw e;
        }
    }

    private static boolean isHidden(String path, Set<String> hidden, Set<String> opaque) {
        for (String p = path; !p.isEmpty(); p = p.lastIndexOf('/') > 0 ? p.substring(0, p.lastIndexOf('/')) : "") {
            if (hidden.contains(p)) {
                return true;
            }
            String dir = p.lastIndexOf('/') > 0 ? p.substring(0, p.lastIndexOf('/')) : "/";
            if (opaque.contains(dir)) {
                return true;
            }
        }
        return false;
    }

    /** "/a/b" from "./a/b", "a//b/", "/a/./b"; refuses ".." that climbs out of the root. */
    static String normalize(String name, String what) {
        List<String> parts = new ArrayList<>();
        for (String p : name.split("/")) {
            if (p.isEmpty() || p.equals(".")) {
                continue;
            }
            if (p.equals("..")) {
                if (parts.isEmpty()) {
                    throw SignerException.malformed(what + ": '" + name + "' climbs out of the image root");
                }
                parts.remove(parts.size() - 1);
            } else {
                parts.add(p);
            }
        }
        return "/" + String.join("/", parts);
    }

    /**
     * Closing a layer's verified stream drained it and checked its digest: if that found the bytes wrong
     * (a corrupted blob), that is the answer, not a reason to read the layer again. Some closers wrap it.
     */
    private static void rethrowIfCorrupted(IOException e) {
        for (Throwable s : e.getSuppressed()) {
            for (Throwable c = s; c != null; c = c.getCause()) {
                if (c instanceof SignerException se && se.kind() == ErrorKind.INTEGRITY) {
                    throw se;
                }
            }
        }
    }

    /** The layer's tar stream: gzip-decompressed when it starts with the gzip magic, as stored otherwise. */
    static InputStream decompress(InputStream in) throws IOException {
        BufferedInputStream b = new BufferedInputStream(in, 1 << 16);
        b.mark(2);
        int m1 = b.read();
        int m2 = b.read();
        b.reset();
        return m1 == 0x1f && m2 == 0x8b ? new GzipCompressorInputStream(b, true) : b;
    }

    /** Stops a decompression bomb: at most {@link #MAX_EXPANSION} times the compressed size (and 1 GiB slack). */
    private static final class Bounded extends ReadThrough {
        private final long limit;
        private final Descriptor layer;
        private long count;

        Bounded(InputStream in, Descriptor layer) {
            super(in);
            this.layer = layer;
            this.limit = Math.max(1L << 30, layer.size() * MAX_EXPANSION);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0 && (count += n) > limit) {
                throw bomb();
            }
            return n;
        }

        private SignerException bomb() {
            return SignerException.malformed("layer " + layer.digest() + " expands beyond " + limit
                    + " bytes: refused as a decompression bomb");
        }
    }

    /** The reader must not close the tar stream under us. */
    private static final class Unclosable extends FilterInputStream {
        Unclosable(InputStream in) {
            super(in);
        }

        @Override
        public void close() {
            // the scan owns the stream
        }
    }
}
