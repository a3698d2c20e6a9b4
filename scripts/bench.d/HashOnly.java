import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Bench floor for {@code --version}: a Java process that does nothing but what that line needs, the
 * SHA-256 of FILE (the jar) with the JDK's MessageDigest, printed in hex. No jar on its class path,
 * no command line, no stamp. Usage: HashOnly FILE
 */
public final class HashOnly {
    public static void main(String[] args) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                sha.update(buf, 0, n);
            }
        }
        System.out.println(HexFormat.of().formatHex(sha.digest()));
    }
}
