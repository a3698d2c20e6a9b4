package org.enclaveos.signer.signoffline;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.RSAPublicKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;

import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.io.Hex;

/**
 * OpenSSH's signature format (SSHSIG, what {@code ssh-keygen -Y sign} writes; PROTOCOL.sshsig) and
 * its public keys (RFC 4253 wire format, as in {@code allowed_signers} and {@code .pub} files), for
 * Ed25519, ECDSA P-256 and RSA (rsa-sha2-256/512). The wire format is read here and the signature is
 * checked by the JDK's own Ed25519, ECDSA and RSA: BouncyCastle's OpenSSH key reader would bring its
 * elliptic-curve arithmetic into the air-gapped jar (hundreds of KB over the 3 MB it must stay
 * under), and BouncyCastle has no SSHSIG reader to reuse.
 */
final class SshSignature {
    static final String MAGIC = "SSHSIG";
    private static final String BEGIN = "-----BEGIN SSH SIGNATURE-----";
    private static final String END = "-----END SSH SIGNATURE-----";

    final PublicKeyBlob key;
    final String namespace;
    final String hashAlgorithm;
    private final byte[] reserved;
    private final byte[] signature;

    private SshSignature(PublicKeyBlob key, String namespace, byte[] reserved, String hashAlgorithm, byte[] signature) {
        this.key = key;
        this.namespace = namespace;
        this.reserved = reserved;
        this.hashAlgorithm = hashAlgorithm;
        this.signature = signature;
    }

    /** An armored signature file's text; a malformed one is an error naming {@code where}. */
    static SshSignature parse(String armored, String where) {
        String text = armored.strip();
        if (!text.startsWith(BEGIN) || !text.endsWith(END)) {
            throw SignerException.malformed(where + ": not an SSH signature (" + BEGIN + " ... " + END + ")");
        }
        byte[] blob;
        try {
            // Strict: the MIME decoder would skip characters that are not base64 rather than refuse them.
            blob = Base64.getDecoder().decode(text.substring(BEGIN.length(), text.length() - END.length())
                    .replaceAll("\\s", ""));
        } catch (IllegalArgumentException e) {
            throw SignerException.malformed(where + ": the signature is not base64");
        }
        Wire in = new Wire(blob, where);
        if (!MAGIC.equals(new String(in.bytes(6), StandardCharsets.US_ASCII))) {
            throw SignerException.malformed(where + ": not an SSHSIG blob");
        }
        long version = in.uint32();
        if (version != 1) {
            throw SignerException.malformed(where + ": SSHSIG version " + version + ", this tool reads version 1");
        }
        PublicKeyBlob key = PublicKeyBlob.parse(in.string(), where);
        String namespace = in.text();
        byte[] reserved = in.string();
        String hash = in.text();
        byte[] signature = in.string();
        in.end();
        return new SshSignature(key, namespace, reserved, hash, signature);
    }

    /** Whether this is the key's signature over {@code message} under this signature's namespace. */
    boolean verifies(byte[] message) {
        String digestName = switch (hashAlgorithm) {
            case "sha256" -> "SHA-256";
            case "sha512" -> "SHA-512";
            default -> null;
        };
        if (digestName == null) {
            return false;
        }
        byte[] hash;
        try {
            hash = MessageDigest.getInstance(digestName).digest(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        ByteArrayOutputStream signed = new ByteArrayOutputStream();
        signed.writeBytes(MAGIC.getBytes(StandardCharsets.US_ASCII));
        Wire.putString(signed, namespace.getBytes(StandardCharsets.UTF_8));
        Wire.putString(signed, reserved);
        Wire.putString(signed, hashAlgorithm.getBytes(StandardCharsets.UTF_8));
        Wire.putString(signed, hash);
        Wire sig = new Wire(signature, "signature");
        try {
            String format = sig.text();
            byte[] raw = sig.string();
            sig.end();
            return key.verify(format, raw, signed.toByteArray());
        } catch (SignerException e) {
            return false;
        }
    }

    /** An OpenSSH public key: its type, its wire blob (what the fingerprint hashes) and the JDK key. */
    static final class PublicKeyBlob {
        final String type;
        final byte[] blob;
        private final PublicKey jdk;

        private PublicKeyBlob(String type, byte[] blob, PublicKey jdk) {
            this.type = type;
            this.blob = blob;
            this.jdk = jdk;
        }

        /** DER prefixes of SubjectPublicKeyInfo for a raw Ed25519 key and an uncompressed P-256 point. */
        private static final byte[] ED25519_SPKI = Hex.decode("Ed25519 SPKI", "302a300506032b6570032100", 12);
        private static final byte[] P256_SPKI = Hex.decode("P-256 SPKI", "3059301306072a8648ce3d020106082a8648ce3d030107034200", 26);

        static PublicKeyBlob parse(byte[] blob, String where) {
            Wire in = new Wire(blob, where);
            String type = in.text();
            try {
                PublicKey key = switch (type) {
                    case "ssh-ed25519" -> {
                        byte[] point = in.string();
                        if (point.length != 32) {
                            throw SignerException.malformed(where + ": an Ed25519 key of " + point.length + " bytes");
                        }
                        yield KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(concat(ED25519_SPKI, point)));
                    }
                    case "ecdsa-sha2-nistp256" -> {
                        String curve = in.text();
                        byte[] point = in.string();
                        if (!curve.equals("nistp256") || point.length != 65 || point[0] != 4) {
                            throw SignerException.malformed(where + ": not an uncompressed P-256 point");
                        }
                        yield KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(concat(P256_SPKI, point)));
                    }
                    case "ssh-rsa" -> {
                        BigInteger e = new BigInteger(1, in.string());
                        BigInteger n = new BigInteger(1, in.string());
                        if (n.bitLength() < 2048) {
                            throw SignerException.malformed(where + ": an RSA key of " + n.bitLength() + " bits (at least 2048)");
                        }
                        yield KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e));
                    }
                    default -> throw new SignerException(org.enclaveos.signer.ErrorKind.UNSUPPORTED, where + ": key type '"
                            + type + "' (ssh-ed25519, ecdsa-sha2-nistp256 and ssh-rsa are accepted)");
                };
                in.end();
                return new PublicKeyBlob(type, blob, key);
            } catch (GeneralSecurityException e) {
                throw SignerException.malformed(where + ": not a valid " + type + " key");
            }
        }

        /** {@code SHA256:...} as {@code ssh-keygen -l} prints it. */
        String fingerprint() {
            try {
                return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(
                        MessageDigest.getInstance("SHA-256").digest(blob));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        boolean verify(String format, byte[] raw, byte[] data) {
            String algorithm;
            byte[] sig = raw;
            switch (type) {
                case "ssh-ed25519" -> algorithm = format.equals("ssh-ed25519") ? "Ed25519" : null;
                case "ecdsa-sha2-nistp256" -> {
                    algorithm = format.equals(type) ? "SHA256withECDSAinP1363Format" : null;
                    Wire rs = new Wire(raw, "ECDSA signature");
                    sig = concat(fixed(rs.string()), fixed(rs.string()));
                    rs.end();
                }
                default -> algorithm = switch (format) { // ssh-rsa signatures (SHA-1) are not accepted
                    case "rsa-sha2-512" -> "SHA512withRSA";
                    case "rsa-sha2-256" -> "SHA256withRSA";
                    default -> null;
                };
            }
            if (algorithm == null || sig == null) {
                return false;
            }
            try {
                Signature v = Signature.getInstance(algorithm);
                v.initVerify(jdk);
                v.update(data);
                return v.verify(sig);
            } catch (GeneralSecurityException e) {
                return false;
            }
        }

        /**
         * An mpint of at most 32 significant bytes, as 32 bytes; null if it does not fit. Package-private
         * for its test: only about one random key in 256 reaches the short shapes.
         */
        static byte[] fixed(byte[] mpint) {
            byte[] m = new BigInteger(1, mpint).toByteArray();
            int skip = m.length > 32 && m[0] == 0 ? 1 : 0;
            if (m.length - skip > 32) {
                return null;
            }
            byte[] out = new byte[32];
            System.arraycopy(m, skip, out, 32 - (m.length - skip), m.length - skip);
            return out;
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        if (a == null || b == null) {
            return null;
        }
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** RFC 4251 wire types, bounded by the buffer: a length past its end is malformed, never a large allocation. */
    static final class Wire {
        private final ByteBuffer buf;
        private final String where;

        Wire(byte[] bytes, String where) {
            this.buf = ByteBuffer.wrap(bytes);
            this.where = where;
        }

        long uint32() {
            if (buf.remaining() < 4) {
                throw SignerException.malformed(where + ": truncated");
            }
            return buf.getInt() & 0xffffffffL;
        }

        byte[] bytes(int n) {
            if (n < 0 || buf.remaining() < n) {
                throw SignerException.malformed(where + ": truncated");
            }
            byte[] b = new byte[n];
            buf.get(b);
            return b;
        }

        byte[] string() {
            long n = uint32();
            if (n > buf.remaining()) {
                throw SignerException.malformed(where + ": a length of " + n + " past the end");
            }
            return bytes((int) n);
        }

        String text() {
            return new String(string(), StandardCharsets.UTF_8);
        }

        void end() {
            if (buf.hasRemaining()) {
                throw SignerException.malformed(where + ": " + buf.remaining() + " bytes after the end");
            }
        }

        static void putString(ByteArrayOutputStream out, byte[] b) {
            out.writeBytes(ByteBuffer.allocate(4).putInt(b.length).array());
            out.writeBytes(b);
        }
    }
}
