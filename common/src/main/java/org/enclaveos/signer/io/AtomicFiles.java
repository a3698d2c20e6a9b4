package org.enclaveos.signer.io;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Set;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;

/**
 * Writes that never leave a half-written file: content goes to a temporary file in the same
 * directory, is flushed to disk, and only then takes its final name. A reader sees the old file, no
 * file, or the whole new one.
 */
public final class AtomicFiles {
    private static final Set<PosixFilePermission> SECRET = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> PUBLIC = PosixFilePermissions.fromString("rw-r--r--");

    /** What a streamed output gathers before each write. */
    private static final int STREAM_BUFFER = 1 << 16;

    private AtomicFiles() {
    }

    /**
     * Creates {@code target}; refuses (OUTPUT_EXISTS) if anything is already there. The final step
     * is a hard link, which fails atomically if the name is taken, so two writers cannot both win.
     *
     * @param secret write with mode 0600 (keys), else 0644
     */
    public static void createNew(Path target, byte[] content, boolean secret) {
        create(writeTemp(target, content, secret), target);
    }

    /** Streams content into a temporary file and writes it with the same rules (for large outputs). */
    @FunctionalInterface
    public interface Content {
        void writeTo(java.io.OutputStream out) throws IOException;
    }

    /** {@link #createNew(Path, byte[], boolean)} for content produced as a stream, of any size. */
    public static void createNew(Path target, Content content, boolean secret) {
        create(writeTemp(target, content, secret, STREAM_BUFFER), target);
    }

    /** Gives the written temporary file its final name, if that name is free. */
    private static void create(Path tmp, Path target) {
        try {
            Files.createLink(target, tmp);
        } catch (FileAlreadyExistsException e) {
            throw new SignerException(ErrorKind.OUTPUT_EXISTS, target + ": already exists; not overwritten");
        } catch (UnsupportedOperationException | IOException e) {
            // File systems without hard links: a plain rename, after a check (no longer atomic against a racing writer).
            if (Files.exists(target)) {
                throw new SignerException(ErrorKind.OUTPUT_EXISTS, target + ": already exists; not overwritten");
            }
            move(tmp, target, false);
            return;
        } finally {
            deleteQuietly(tmp);
        }
    }

    /**
     * Writes {@code target} unless it already holds exactly {@code content}. Different content there
     * is refused, so a rerun is a no-op and never silently replaces a result.
     *
     * @return true if the file was written, false if it was already there with this content
     */
    public static boolean createOrConfirm(Path target, byte[] content, boolean secret) {
        switch (presence(target)) {
            // An output is the writer's own file: a link would make "already there" mean a file elsewhere.
            case LINK -> throw new SignerException(ErrorKind.OUTPUT_EXISTS, target
                    + ": is a symbolic link; not followed, not overwritten");
            case PRESENT -> {
                if (sameContent(target, content)) {
                    return false;
                }
                throw new SignerException(ErrorKind.OUTPUT_EXISTS, target
                        + ": already exists with different content; not overwritten");
            }
            case ABSENT -> createNew(target, content, secret);
        }
        return true;
    }

    /** What a name holds, the name itself looked at (a link is not followed). */
    public enum Presence { ABSENT, LINK, PRESENT }

    /**
     * What {@code path} holds, without following a link there. {@code Files.isSymbolicLink} alone
     * answers "absent" by throwing and catching an exception; asking {@code exists} first does not on
     * the JDKs the launcher prefers (20 and later), and a ceremony asks this four times per request.
     */
    public static Presence presence(Path path) {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return Presence.ABSENT;
        }
        return Files.isSymbolicLink(path) ? Presence.LINK : Presence.PRESENT;
    }

    /** Replaces {@code target} (or creates it) atomically. */
    public static void replace(Path target, byte[] content, boolean secret) {
        Path tmp = writeTemp(target, content, secret);
        try {
            move(tmp, target, true);
        } finally {
            deleteQuietly(tmp);
        }
    }

    /**
     * Removes the temporary files a killed writer left in {@code dir} for these outputs: exactly the
     * names {@link #createNew} gives them ({@code .NAME.DIGITS.tmp}, a regular file, not a link), and
     * nothing else, so a file of someone else's that merely looks temporary is never touched. They
     * never carried a final name, so nothing can have read them as an output. One listing for the
     * whole directory: a caller that cleaned per output file would list a directory of n files n times.
     *
     * @param outputs the final file names (in {@code dir}) whose temporary files may be removed
     */
    public static void deleteStaleTemps(Path dir, java.util.Collection<String> outputs) {
        if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Set<String> names = Set.copyOf(outputs);
        try (java.nio.file.DirectoryStream<Path> stale = Files.newDirectoryStream(dir,
                p -> names.contains(temporaryOf(p.getFileName().toString())))) {
            for (Path p : stale) {
                if (Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    deleteQuietly(p);
                }
            }
        } catch (IOException e) {
            // Leftovers are harmless; failing to list them must not stop the work.
        }
    }

    /** The output name a temporary file of {@link #createNew} stands for ({@code .NAME.DIGITS.tmp}), or "". */
    static String temporaryOf(String file) {
        if (!file.startsWith(".") || !file.endsWith(".tmp")) {
            return "";
        }
        String inner = file.substring(1, file.length() - ".tmp".length());
        int dot = inner.lastIndexOf('.');
        if (dot <= 0 || dot == inner.length() - 1 || !inner.substring(dot + 1).chars().allMatch(Character::isDigit)) {
            return "";
        }
        return inner.substring(0, dot);
    }

    /**
     * Flushes a directory's entries to disk: the names {@link #createNew} linked are durable only
     * once their directory is. A caller that records "written" elsewhere (a journal) calls this
     * first, once for everything written since the last call.
     */
    public static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            throw new SignerException(ErrorKind.IO, dir + ": cannot flush the directory to disk: " + describe(e), e);
        }
    }

    private static boolean sameContent(Path target, byte[] content) {
        try {
            return Files.size(target) == content.length && Arrays.equals(Files.readAllBytes(target), content);
        } catch (IOException e) {
            throw new SignerException(ErrorKind.IO, target + ": cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * An array is written in one go, without a stream buffer: a ceremony writes two small files per
     * request, and a buffer would be allocated and zeroed for each.
     */
    private static Path writeTemp(Path target, byte[] content, boolean secret) {
        return writeTemp(target, out -> out.write(content), secret, 0);
    }

    /** @param buffer bytes to gather before each write, or 0 for content that writes itself in one go */
    private static Path writeTemp(Path target, Content content, boolean secret, int buffer) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            FileAttribute<Set<PosixFilePermission>> mode = PosixFilePermissions.asFileAttribute(secret ? SECRET : PUBLIC);
            FileChannel created = null;
            for (int attempt = 1; created == null; attempt++) {
                Path candidate = dir.resolve(temporaryName(target.getFileName().toString()));
                try {
                    created = FileChannel.open(candidate, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), mode);
                    tmp = candidate;
                } catch (FileAlreadyExistsException e) {
                    if (attempt == TEMP_NAME_ATTEMPTS) {
                        throw e;
                    }
                }
            }
            try (FileChannel ch = created;
                 java.io.OutputStream raw = java.nio.channels.Channels.newOutputStream(ch);
                 java.io.OutputStream out = buffer == 0 ? raw : new java.io.BufferedOutputStream(raw, buffer)) {
                content.writeTo(out);
                out.flush();
                ch.force(true);
            }
            return tmp;
        } catch (java.io.UncheckedIOException e) {
            deleteQuietly(tmp);
            throw new SignerException(ErrorKind.IO, target + ": cannot write: " + describe(e.getCause()), e);
        } catch (RuntimeException e) {
            deleteQuietly(tmp); // the content failed half-way (e.g. a malformed input): leave nothing behind
            throw e;
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new SignerException(ErrorKind.IO, target + ": cannot write: " + describe(e), e);
        }
    }

    /** Names taken by someone else in a row before giving up (each try is a fresh random name). */
    private static final int TEMP_NAME_ATTEMPTS = 100;

    /**
     * A fresh name {@code .NAME.DIGITS.tmp} (what {@link #temporaryOf} recognises). Not from
     * {@code Files.createTempFile}: that draws from one shared {@code SecureRandom} (NativePRNG, which
     * mixes in SHA1PRNG under a lock) and opens the file twice, for every one of a ceremony's two files
     * per request. The name need not be unguessable: CREATE_NEW (O_EXCL) refuses anything already
     * there, a symbolic link included, and the caller tries another name.
     */
    private static String temporaryName(String target) {
        return "." + target + "." + Long.toUnsignedString(java.util.concurrent.ThreadLocalRandom.current().nextLong()) + ".tmp";
    }

    private static void move(Path tmp, Path target, boolean replace) {
        try {
            if (replace) {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new SignerException(ErrorKind.IO, target + ": cannot write: " + describe(e), e);
        }
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException ignored) {
                // A stray hidden temp file is harmless; the real output is already in place or absent.
            }
        }
    }

    /** The useful part of an I/O error: "no such directory", "permission denied", "no space left". */
    public static String describe(IOException e) {
        String type = e.getClass().getSimpleName();
        return switch (type) {
            case "NoSuchFileException" -> "no such file or directory";
            case "AccessDeniedException" -> "permission denied";
            case "FileAlreadyExistsException" -> "already exists";
            case "NotDirectoryException" -> "not a directory";
            default -> e instanceof java.nio.file.FileSystemException f && f.getReason() != null
                    ? f.getReason().toLowerCase(java.util.Locale.ROOT) // the path is already in our message
                    : e.getMessage() == null ? type : e.getMessage();
        };
    }
}
