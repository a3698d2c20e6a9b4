package org.enclaveos.signer.signoffline;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.io.AtomicFiles;

/**
 * One ceremony at a time per output directory. A second one would remove the first one's temporary
 * files as stale and interleave its journal lines; it is refused instead, before anything is written.
 * The lock is the operating system's (fcntl), so a killed ceremony never leaves it held; the empty
 * lock file stays, hidden, and is harmless to attach.
 */
final class OutputLock implements AutoCloseable {
    static final String FILE_NAME = ".sign-offline.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private OutputLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static OutputLock acquire(Path out) {
        Path file = out.resolve(FILE_NAME);
        FileChannel ch;
        try {
            Files.createDirectories(out);
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new SignerException(ErrorKind.IO, out + ": cannot create: " + AtomicFiles.describe(e), e);
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
            throw new SignerException(ErrorKind.IO, out + ": another sign-offline is writing here (it holds " + FILE_NAME
                    + "); wait for it to finish, or choose another --out");
        }
        return new OutputLock(ch, lock);
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it as well
        }
        close(channel);
    }

    private static void close(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing was written through it
        }
    }
}
