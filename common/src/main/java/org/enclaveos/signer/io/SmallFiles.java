package org.enclaveos.signer.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;

/**
 * Reads a file that is small by nature (a request, a response, a passphrase, a signature, a layout
 * manifest) whole, after checking its size: a file that crossed an air gap or came from an image is
 * not trusted to be what its name says, and a huge one must be refused, not loaded.
 */
public final class SmallFiles {
    private SmallFiles() {
    }

    /**
     * @param limit the largest acceptable size in bytes
     * @param what  what the file should be, for the error ("request file", "passphrase file")
     */
    public static byte[] read(Path file, int limit, String what) {
        requireRegular(file, what);
        return readAny(file, limit, what);
    }

    /**
     * Refuses a FIFO, a device or a directory where a file is expected: a FIFO nobody writes to
     * would block the read for ever (it hung sign-offline), a device never ends. Links are followed.
     */
    public static void requireRegular(Path file, String what) {
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            throw new SignerException(ErrorKind.IO, file + ": not a regular file (a " + what + " is expected; pipes, "
                    + "devices and directories are refused)");
        }
    }

    /**
     * {@link #read} for a secret, which may come through a pipe ({@code --passphrase-file /dev/stdin},
     * a process substitution): still bounded, but a FIFO is what the caller chose to give.
     */
    public static byte[] readAny(Path file, int limit, String what) {
        try (InputStream in = Files.newInputStream(file)) {
            // Read one byte past the limit rather than trust the size: the file may be a pipe or grow.
            byte[] b = in.readNBytes(limit + 1);
            if (b.length > limit) {
                throw SignerException.malformed(file + ": larger than any " + what + " (at most " + limit + " bytes)");
            }
            return b;
        } catch (NoSuchFileException e) {
            throw new SignerException(ErrorKind.IO, file + ": no such file");
        } catch (IOException e) {
            throw new SignerException(ErrorKind.IO, file + ": cannot read: " + AtomicFiles.describe(e), e);
        }
    }
}
