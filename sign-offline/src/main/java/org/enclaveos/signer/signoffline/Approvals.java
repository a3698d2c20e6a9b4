package org.enclaveos.signer.signoffline;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.io.AtomicFiles;
import org.enclaveos.signer.io.SmallFiles;

/**
 * M-of-N approvals of a ceremony's batch: SSH signatures ({@code ssh-keygen -Y sign -n
 * enclaveos-ceremony}) over the file that holds exactly the batch digest line, checked against an
 * OpenSSH {@code allowed_signers} file before any key is opened. Every {@code *.sig} in the directory
 * must be a valid approval of this very batch by a listed key (anything else is refused naming the
 * file); distinct keys are counted, so one approver signing twice counts once.
 */
public final class Approvals {
    /** The namespace approvers sign under ({@code -n}); a signature made for git or a file is not an approval. */
    public static final String NAMESPACE = "enclaveos-ceremony";
    static final int MAX_FILE = 64 << 10;

    private Approvals() {
    }

    /** What the ceremony requires: the approvals directory, the allowed signers, and how many distinct approvers. */
    public record Rule(Path dir, Path allowedSigners, int required) {
    }

    /** One counted approval: the file and the SHA-256 of the bytes checked, the approver's principals and key fingerprint. */
    public record Approval(String file, String sha256, String principals, String keyType, String fingerprint) {
    }

    /** One line of allowed_signers. */
    record Signer(String principals, SshSignature.PublicKeyBlob key, List<String> namespaces, Instant validAfter,
                  Instant validBefore) {
    }

    /**
     * Checks the approvals of the batch whose digest (64 hex digits) is {@code batchDigest}; returns the
     * distinct approvals, or refuses: a bad file, or fewer than {@code rule.required()} approvers.
     */
    public static List<Approval> check(Rule rule, String batchDigest, Instant now) {
        List<Signer> signers = allowedSigners(rule.allowedSigners(), now);
        byte[] message = (batchDigest + "\n").getBytes(StandardCharsets.US_ASCII);
        List<Path> files;
        try (Stream<Path> s = Files.list(rule.dir())) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".sig")).sorted().toList();
        } catch (IOException e) {
            throw new SignerException(ErrorKind.IO, rule.dir() + ": cannot list the approvals: " + AtomicFiles.describe(e), e);
        }
        Map<String, Approval> byKey = new LinkedHashMap<>();
        for (Path f : files) {
            byte[] bytes = SmallFiles.read(f, MAX_FILE, "approval");
            SshSignature sig = SshSignature.parse(new String(bytes, StandardCharsets.UTF_8), f.toString());
            if (!NAMESPACE.equals(sig.namespace)) {
                throw new SignerException(ErrorKind.POLICY, f + ": signed in namespace '" + sig.namespace + "'; approvals are "
                        + "made with ssh-keygen -Y sign -n " + NAMESPACE);
            }
            String fingerprint = sig.key.fingerprint();
            Signer signer = signers.stream().filter(s -> java.util.Arrays.equals(s.key().blob, sig.key.blob)).findFirst()
                    .orElseThrow(() -> new SignerException(ErrorKind.POLICY, f + ": signed by " + sig.key.type + " "
                            + fingerprint + ", which " + rule.allowedSigners() + " does not list"));
            if (!signer.namespaces().isEmpty() && !signer.namespaces().contains(NAMESPACE)) {
                throw new SignerException(ErrorKind.POLICY, f + ": " + signer.principals() + " may sign only in "
                        + String.join(",", signer.namespaces()) + " (" + rule.allowedSigners() + ")");
            }
            if (signer.validAfter() != null && now.isBefore(signer.validAfter())
                    || signer.validBefore() != null && !now.isBefore(signer.validBefore())) {
                throw new SignerException(ErrorKind.POLICY, f + ": " + signer.principals() + "'s key is not valid now ("
                        + rule.allowedSigners() + ": valid-after/valid-before)");
            }
            if (!sig.verifies(message)) {
                throw new SignerException(ErrorKind.POLICY, f + ": does not verify over this batch's digest " + batchDigest
                        + " (an approval of another batch, or altered)");
            }
            byKey.putIfAbsent(fingerprint, new Approval(f.getFileName().toString(),
                    org.enclaveos.signer.sgx.Hash256.sha256(bytes).hex(), signer.principals(), sig.key.type, fingerprint));
        }
        if (byKey.size() < rule.required()) {
            throw new SignerException(ErrorKind.POLICY, rule.dir() + ": " + byKey.size() + " distinct approval"
                    + (byKey.size() == 1 ? "" : "s") + (byKey.isEmpty() ? "" : " (" + String.join(", ",
                    byKey.values().stream().map(Approval::principals).toList()) + ")") + " of batch " + batchDigest + ", "
                    + rule.required() + " required (--require-approvals)");
        }
        return List.copyOf(byKey.values());
    }

    /** OpenSSH's allowed_signers: {@code principals [options] keytype base64-key [comment]} a line. */
    static List<Signer> allowedSigners(Path file, Instant now) {
        String text = new String(SmallFiles.read(file, 1 << 20, "allowed_signers file"), StandardCharsets.UTF_8);
        List<Signer> out = new ArrayList<>();
        int n = 0;
        for (String line : text.split("\n", -1)) {
            n++;
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String where = file + " line " + n;
            List<String> tokens = tokens(l, where);
            if (tokens.size() < 3) {
                throw SignerException.malformed(where + ": expected principals, key type and key");
            }
            int k = 1;
            Map<String, String> options = Map.of();
            if (!looksLikeKeyType(tokens.get(1))) {
                options = options(tokens.get(1), where);
                k = 2;
            }
            if (tokens.size() < k + 2) {
                throw SignerException.malformed(where + ": expected a key type and a key after the options");
            }
            byte[] blob;
            try {
                blob = Base64.getDecoder().decode(tokens.get(k + 1));
            } catch (IllegalArgumentException e) {
                throw SignerException.malformed(where + ": the key is not base64");
            }
            SshSignature.PublicKeyBlob key = SshSignature.PublicKeyBlob.parse(blob, where);
            if (!key.type.equals(tokens.get(k))) {
                throw SignerException.malformed(where + ": the line says " + tokens.get(k) + ", the key is " + key.type);
            }
            List<String> namespaces = options.containsKey("namespaces")
                    ? List.of(options.get("namespaces").split(",")) : List.of();
            out.add(new Signer(tokens.get(0), key, namespaces, time(options.get("valid-after"), where),
                    time(options.get("valid-before"), where)));
        }
        return out;
    }

    private static boolean looksLikeKeyType(String t) {
        return t.startsWith("ssh-") || t.startsWith("ecdsa-") || t.startsWith("sk-");
    }

    private static Map<String, String> options(String token, String where) {
        Map<String, String> options = new LinkedHashMap<>();
        for (String o : splitOutsideQuotes(token)) {
            int eq = o.indexOf('=');
            String name = (eq < 0 ? o : o.substring(0, eq)).toLowerCase(java.util.Locale.ROOT);
            String value = eq < 0 ? "" : unquote(o.substring(eq + 1));
            switch (name) {
                case "namespaces", "valid-after", "valid-before" -> options.put(name, value);
                case "cert-authority" -> throw new SignerException(ErrorKind.UNSUPPORTED, where
                        + ": cert-authority lines are not supported; list each approver's own key");
                default -> throw SignerException.malformed(where + ": unknown option '" + name + "'");
            }
        }
        return options;
    }

    /** {@code YYYYMMDD[HHMM[SS]]}, UTC with a trailing Z or without (OpenSSH reads the latter as local time; we as UTC). */
    private static Instant time(String value, String where) {
        if (value == null) {
            return null;
        }
        String v = value.endsWith("Z") || value.endsWith("z") ? value.substring(0, value.length() - 1) : value;
        String padded = v.length() == 8 ? v + "000000" : v.length() == 12 ? v + "00" : v;
        try {
            return LocalDateTime.parse(padded, DateTimeFormatter.ofPattern("yyyyMMddHHmmss")).toInstant(ZoneOffset.UTC);
        } catch (java.time.format.DateTimeParseException e) {
            throw SignerException.malformed(where + ": '" + value + "' is not YYYYMMDD[HHMM[SS]]");
        }
    }

    /** Whitespace-separated tokens; a double-quoted run is one token (quotes kept for the options). */
    private static List<String> tokens(String line, String where) {
        List<String> out = new ArrayList<>();
        StringBuilder t = new StringBuilder();
        boolean quoted = false;
        for (char c : line.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            }
            if (!quoted && Character.isWhitespace(c)) {
                if (t.length() > 0) {
                    out.add(t.toString());
                    t.setLength(0);
                }
            } else {
                t.append(c);
            }
        }
        if (quoted) {
            throw SignerException.malformed(where + ": an unterminated quote");
        }
        if (t.length() > 0) {
            out.add(t.toString());
        }
        if (!out.isEmpty()) {
            out.set(0, unquote(out.get(0)));
        }
        return out;
    }

    private static List<String> splitOutsideQuotes(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder t = new StringBuilder();
        boolean quoted = false;
        for (char c : s.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == ',' && !quoted) {
                out.add(t.toString());
                t.setLength(0);
            } else {
                t.append(c);
            }
        }
        out.add(t.toString());
        return out;
    }

    private static String unquote(String s) {
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }
}
