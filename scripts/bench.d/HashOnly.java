import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Bench floor for {@code --version} and {@code measure}: a Java process that does nothing but the
 * SHA-256 of FILE with the JDK's MessageDigest, printed in hex. No jar on its class path, no command
 * line, no stamp. Usage: HashOnly [--direct] FILE. Plain, it reads as {@code --version} hashes the jar
 * (a stream into a byte array); with --direct, as {@code measure} reads an SGXS file (a file channel into
 * a direct buffer, one copy fewer, and a cold JVM's slower start: 0.090 s against 0.084 s for the jar).
 */
public final class HashOnly {
    public static void main(String[] args) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        if (args[0].equals("--direct")) {
            ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
            try (FileChannel in = FileChannel.open(Path.of(args[1]))) {
                while (in.read(buf.clear()) > 0) {
                    sha.update(buf.flip());
                }
            }
        } else {
            try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) {
                    sha.update(buf, 0, n);
                }
            }
        }
        System.out.println(HexFormat.of().formatHex(sha.digest()));
    }
}
