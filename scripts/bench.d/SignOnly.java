import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Bench floor for a ceremony: a Java process that does nothing but what a ceremony cannot skip, load
 * the unencrypted PKCS#8 PEM key and make N RSA-3072 signatures (SHA256withRSA, the JDK's provider,
 * as the ceremony's) over N different 256-byte payloads, one thread per core. No requests, review,
 * files or journal. Usage: SignOnly KEY.pem N
 */
public final class SignOnly {
    public static void main(String[] args) throws Exception {
        String pem = Files.readString(Path.of(args[0]));
        String base64 = pem.substring(pem.indexOf('\n') + 1, pem.indexOf("-----END"));
        PrivateKey key = KeyFactory.getInstance("RSA")
                .generatePrivate(new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(base64)));
        int n = Integer.parseInt(args[1]);
        ExecutorService pool = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors());
        List<Future<byte[]>> signatures = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] payload = new byte[256]; // a SIGSTRUCT's signed bytes: 128 of header, 128 of body
            payload[0] = (byte) i;
            payload[1] = (byte) (i >> 8);
            signatures.add(pool.submit(() -> {
                Signature rsa = Signature.getInstance("SHA256withRSA");
                rsa.initSign(key);
                rsa.update(payload);
                return rsa.sign();
            }));
        }
        for (Future<byte[]> s : signatures) {
            s.get();
        }
        pool.shutdown();
        System.out.println(n + " signatures");
    }
}
