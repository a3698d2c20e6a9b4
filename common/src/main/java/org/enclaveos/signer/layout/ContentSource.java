package org.enclaveos.signer.layout;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;

/** Where the files a layout manifest names are read from: a directory on disk, or (later) an image. */
@FunctionalInterface
public interface ContentSource {
    /** A stream positioned at {@code offset} of {@code path}; the caller reads at most the range's length. */
    InputStream open(String path, long offset) throws IOException;

    /** Files already in memory, by the path the manifest names (a missing one reads as empty). */
    static ContentSource inMemory(java.util.function.Function<String, byte[]> files) {
        return (path, offset) -> {
            byte[] b = files.apply(path);
            java.io.ByteArrayInputStream in = new java.io.ByteArrayInputStream(b == null ? new byte[0] : b);
            in.skipNBytes(Math.min(offset, b == null ? 0 : b.length));
            return in;
        };
    }

    /**
     * Files relative to {@code dir} (the manifest's directory). Paths must stay below it: no absolute
     * paths, no {@code ..} that climbs out, so the same manifest means the same thing in an image.
     */
    static ContentSource directory(Path dir) {
        Path root = dir.toAbsolutePath().normalize();
        return (path, offset) -> {
            Path p = root.resolve(path).normalize();
            if (Path.of(path).isAbsolute() || !p.startsWith(root)) {
                throw SignerException.malformed("content file '" + path + "' is not below the manifest's directory " + root);
            }
            if (!Files.isRegularFile(p)) {
                throw new SignerException(ErrorKind.IO, p + ": no such file (named by the layout manifest)");
            }
            InputStream in = Files.newInputStream(p);
            in.skipNBytes(offset);
            return in;
        };
    }
}
