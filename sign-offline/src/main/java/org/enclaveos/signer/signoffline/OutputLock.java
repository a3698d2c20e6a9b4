package org.enclaveos.signer.signoffline;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.io.AtomicFiles;

/**
 * One ceremony at a time per output directory and per journal. A second one would remove the first
 * one's temporary files as stale, or append to the same journal from another chain state (breaking
 * it); it is refused instead, before anything is written. The lock is the operating system's
 * (fcntl), so a killed ceremony never leaves it held; the empty lock file stays, hidden, and is
 * harmless to attach.
 */
final class OutputLock implements AutoCloseable {
    static final String FILE_NAME = ".sign-offline.lock";

    private final List<FileChannel> held = new ArrayList<>();
    /** Directories this lock created: removed again on close if the ceremony put nothing in them. */
    private final List<Path> created = new ArrayList<>();

    private OutputLock() {
    }

    /** Locks {@code out} and, when the journal lives in another directory, that directory too. */
    static OutputLock acquire(Path out, Path journal) {
        OutputLock lock = new OutputLock();
        try {
            Path outDir = lock.add(out);
            Path journalDir = journal.toAbsolutePath().normalize().getParent();
            // Compared as the file system resolves them: ./out, out/ and a link to out are one directory.
            if (journalDir != null && !lock.real(journalDir).equals(outDir)) {
                lock.add(journalDir);
            }
            return lock;
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    private Path real(Path dir) {
        try {
            if (!Files.exists(dir)) {
                Files.createDirectories(dir);
                created.add(dir);
            }
            return dir.toRealPath();
        } catch (IOException e) {
            throw new SignerException(ErrorKind.IO, dir + ": cannot create: " + AtomicFiles.describe(e), e);
        }
    }

    /** Locks {@code dir}; returns it as the file system resolves it. */
    private Path add(Path dir) {
        Path real = real(dir);
        Path file = real.resolve(FILE_NAME);
        if (Files.isSymbolicLink(file)) {
            throw new SignerException(ErrorKind.IO, file + ": is a symbolic link; the lock file is the ceremony's own "
                    + "(remove the link)");
        }
        FileChannel ch;
        try {
            // NOFOLLOW_LINKS: a link placed here must not make us create or lock a file elsewhere.
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new SignerException(ErrorKind.IO, dir + ": cannot create: " + AtomicFiles.describe(e), e);
        }
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this process, by another ceremony
        } catch (IOException e) {
            close(ch);
            throw new SignerException(ErrorKind.IO, file + ": cannot lock: " + AtomicFiles.describe(e), e);
        }
        if (lock == null) {
            close(ch);
            throw new SignerException(ErrorKind.IO, dir + ": another sign-offline is writing here (it holds " + FILE_NAME
                    + "); wait for it to finish, or choose another --out");
        }
        held.add(ch); // closing the channel releases its lock
        return real;
    }

    @Override
    public void close() {
        for (int i = held.size() - 1; i >= 0; i--) {
            close(held.get(i));
        }
        held.clear();
        // A ceremony refused before it wrote anything leaves no trace: not even its output directory.
        for (Path dir : created) {
            try (java.util.stream.Stream<Path> entries = Files.list(dir)) {
                if (entries.allMatch(p -> p.getFileName().toString().equals(FILE_NAME))) {
                    Files.deleteIfExists(dir.resolve(FILE_NAME));
                    Files.deleteIfExists(dir);
                }
            } catch (IOException ignored) {
                // it stays: harmless
            }
        }
        created.clear();
    }

    private static void close(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing was written through it
        }
    }
}
