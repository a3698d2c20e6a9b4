package org.enclaveos.signer.signoffline;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.ToolVersion;
import org.enclaveos.signer.crypto.PemKeys;
import org.enclaveos.signer.crypto.SigningKey;
import org.enclaveos.signer.crypto.SigstructSigner;
import org.enclaveos.signer.crypto.VerifyingKey;
import org.enclaveos.signer.format.SigstructJson;
import org.enclaveos.signer.request.RequestSet;
import org.enclaveos.signer.sgx.Hash256;

/**
 * A signing ceremony as a library, in the order that keeps its promise: the output locked, the
 * requests loaded and checked before the key is touched (no PIN typed for bad input), the plan judged
 * by the policy, the review shown, the operator's confirmation, and only then signing and the journal.
 * The sign-offline command, the one-shot form and {@code demo} all go through {@link #run}.
 */
public final class KeyCeremony {
    private KeyCeremony() {
    }

    /** Where the key comes from. */
    public sealed interface Key permits HeldKey, ImportedSignatures, ExportedPayloads {
        /** For the review, the journal and the report: which key, described without any secret. */
        String describe();
    }

    /**
     * A key this process holds (PEM) or reaches (PKCS#11), loaded only after the requests are known good.
     *
     * @param oneAtATime sign one request at a time (a token may not take concurrent sessions)
     */
    public record HeldKey(Supplier<SigningKey> load, String describe, boolean oneAtATime, Path file) implements Key {
        /** @param file the key file or token configuration, whose SHA-256 the journal records; null if none */
        public HeldKey {
        }

        public HeldKey(Supplier<SigningKey> load, String describe, boolean oneAtATime) {
            this(load, describe, oneAtATime, null);
        }
    }

    /**
     * A PEM key file; its passphrase, if it is encrypted, from a file, a named environment variable or the
     * terminal (never the command line). An unencrypted key readable by others draws a WARNING line.
     */
    public static HeldKey pem(Path file, Path passphraseFile, String passphraseEnv, PrintWriter warnings) {
        return new HeldKey(() -> {
            boolean[] encrypted = {false};
            SigningKey k = PemKeys.loadSigningKey(file, what -> {
                encrypted[0] = true;
                return Secrets.read("passphrase", passphraseFile, passphraseEnv, "Passphrase for " + what + ": ",
                        "--passphrase-file or --passphrase-env");
            });
            if (!encrypted[0]) {
                PemKeys.exposure(file).ifPresent(w -> {
                    warnings.println("WARNING: " + w);
                    warnings.flush();
                });
            }
            return k;
        }, "PEM " + file, false, file);
    }

    /** Signatures made elsewhere (NAME.sig files), assembled and checked against this public key. */
    public record ImportedSignatures(Path dir, Path publicKey) implements Key {
        @Override
        public String describe() {
            return "imported signatures from " + dir + ", public key " + publicKey;
        }
    }

    /** No key here: each payload is written out for signing elsewhere (publicKey may be null). */
    public record ExportedPayloads(Path publicKey) implements Key {
        @Override
        public String describe() {
            return "none: payloads exported" + (publicKey == null ? "" : " for the key " + publicKey);
        }
    }

    /**
     * Who is present and who approved: journaled in the ceremony-start line and shown in the review.
     *
     * @param approvals null: no approvals required
     */
    public record Participants(String operator, List<String> witnesses, String location, List<String> notes,
                               Approvals.Rule approvals) {
        public static final Participants NONE = new Participants(null, List.of(), null, List.of(), null);

        public Participants {
            witnesses = List.copyOf(witnesses);
            notes = List.copyOf(notes);
        }
    }

    /**
     * The ceremony's inputs and policy; {@code journal} null: OUT/journal.jsonl.
     *
     * @param policy       the deployment policy every request must meet, or null
     * @param policyFile   the file it was read from, journaled with its SHA-256 (null with no policy)
     * @param participants operator, witnesses, location, notes and the approvals rule
     */
    public record Settings(List<Path> requests, Path out, Path journal, boolean production, Set<String> allowAttributes,
                           String ceremonyId, boolean dryRun, org.enclaveos.signer.policy.Policy policy, Path policyFile,
                           Participants participants) {
        public Settings {
            requests = List.copyOf(requests);
            allowAttributes = Set.copyOf(allowAttributes);
        }

        /** Without participants or approvals. */
        public Settings(List<Path> requests, Path out, Path journal, boolean production, Set<String> allowAttributes,
                        String ceremonyId, boolean dryRun, org.enclaveos.signer.policy.Policy policy, Path policyFile) {
            this(requests, out, journal, production, allowAttributes, ceremonyId, dryRun, policy, policyFile,
                    Participants.NONE);
        }

        /** Without a deployment policy. */
        public Settings(List<Path> requests, Path out, Path journal, boolean production, Set<String> allowAttributes,
                        String ceremonyId, boolean dryRun) {
            this(requests, out, journal, production, allowAttributes, ceremonyId, dryRun, null, null);
        }

        Path journalFile() {
            return journal != null ? journal : out.resolve(SignOfflineCommand.DEFAULT_JOURNAL);
        }
    }

    /** Asked after the review; throws to refuse (then nothing is signed). */
    @FunctionalInterface
    public interface Confirmation {
        void confirm(long toSign, String action);
    }

    /** A scripted run's confirmation (--yes). */
    public static final Confirmation AUTOMATIC = (toSign, action) -> { };

    /**
     * What a ceremony did: after a dry run, nothing; after an export, the payload files; otherwise the
     * counts. The journal's last-line hash is what the ceremony minutes record.
     */
    public static final class Outcome {
        private final Ceremony.Plan plan;
        private final Optional<Ceremony.Result> result;
        private final List<Path> payloads;
        private final Path journal;
        private final String journalLastLineSha256;

        Outcome(Ceremony.Plan plan, Optional<Ceremony.Result> result, List<Path> payloads, Path journal, String last) {
            this.plan = plan;
            this.result = result;
            this.payloads = List.copyOf(payloads);
            this.journal = journal;
            this.journalLastLineSha256 = last;
        }

        Ceremony.Plan plan() {
            return plan;
        }

        Optional<Ceremony.Result> result() {
            return result;
        }

        /** The signer's MRSIGNER; null for an export without a public key. */
        public Hash256 mrsigner() {
            return plan.signer() == null ? null : plan.signer().mrsigner();
        }

        public int signed() {
            return result.map(Ceremony.Result::signed).orElse(0);
        }

        public int alreadySigned() {
            return result.map(Ceremony.Result::alreadySigned).orElse(0);
        }

        public List<Path> payloads() {
            return payloads;
        }

        /** The journal file; null after a dry run. */
        public Path journal() {
            return journal;
        }

        public String journalLastLineSha256() {
            return journalLastLineSha256;
        }
    }

    /**
     * Puts the participants into the ceremony-start context, and checks the approvals of this batch
     * (refusing below the required count): before any key is opened.
     */
    private static List<String> participants(Settings s, List<RequestSet.Loaded> loaded, ObjectNode context) {
        Participants p = s.participants();
        List<String> lines = new java.util.ArrayList<>();
        if (p.operator() != null || !p.witnesses().isEmpty() || p.location() != null) {
            lines.add("Operator:   " + (p.operator() == null ? "-" : p.operator()) + "; witnesses: "
                    + (p.witnesses().isEmpty() ? "-" : String.join(", ", p.witnesses()))
                    + (p.location() == null ? "" : "; location: " + p.location()));
        }
        p.notes().forEach(n -> lines.add("Note:       " + n));
        if (p.operator() != null) {
            context.put("operator", p.operator());
        }
        if (!p.witnesses().isEmpty()) {
            p.witnesses().forEach(context.putArray("witnesses")::add);
        }
        if (p.location() != null) {
            context.put("location", p.location());
        }
        if (!p.notes().isEmpty()) {
            p.notes().forEach(context.putArray("notes")::add);
        }
        String digest = org.enclaveos.signer.request.BatchDigest.of(loaded.stream().map(RequestSet.Loaded::request).toList(),
                s.production(), s.allowAttributes()).hex();
        context.put("batchDigest", digest);
        if (p.approvals() != null) {
            Approvals.Rule rule = p.approvals();
            List<Approvals.Approval> approved = Approvals.check(rule, digest, java.time.Instant.now());
            lines.add("Approvals:  " + approved.size() + " distinct (" + rule.required() + " required) of batch " + digest);
            approved.forEach(a -> lines.add("            " + a.principals() + "  " + a.keyType() + " " + a.fingerprint()
                    + "  (" + a.file() + ")"));
            context.put("approvalsRequired", rule.required())
                    .put("allowedSigners", rule.allowedSigners().toString())
                    .put("allowedSignersSha256", Hash256.ofFile(rule.allowedSigners()).hex());
            com.fasterxml.jackson.databind.node.ArrayNode list = context.putArray("approvals");
            for (Approvals.Approval a : approved) {
                list.addObject().put("file", a.file()).put("principals", a.principals()).put("keyType", a.keyType())
                        .put("fingerprint", a.fingerprint())
                        .put("sha256", a.sha256());
            }
        }
        return lines;
    }

    public static Outcome run(Settings s, Key key, PrintWriter review, Confirmation confirmation) {
        return run(s, key, review, confirmation, org.enclaveos.signer.io.Progress.NONE);
    }

    /** As above, reporting a long ceremony's progress (more than 100 requests) to {@code progress}. */
    public static Outcome run(Settings s, Key key, PrintWriter review, Confirmation confirmation,
                              org.enclaveos.signer.io.Progress progress) {
        // The review and the journal name the build by its jar's SHA-256: hashed while the requests load.
        ToolVersion.prefetchJarSha256();
        CeremonyPolicy policy = new CeremonyPolicy(s.production(), s.allowAttributes(), s.policy());
        Path journalFile = s.journalFile();
        // The lock covers the whole ceremony, from the plan (what is already in the output) to the last
        // journal line: nothing another ceremony does can change what was reviewed. A dry run writes nothing.
        try (OutputLock lock = s.dryRun() ? null : OutputLock.acquire(s.out(), journalFile)) {
            // Requests first: nothing about the key is asked for (no PIN typed) until the input is known good.
            List<RequestSet.Loaded> loaded = RequestSet.load(s.requests());
            VerifyingKey verifying;
            Ceremony.Signer signer = null;
            ObjectNode context = SigstructJson.object();
            context.put("tool", ToolVersion.describe());
            if (s.policyFile() != null) {
                // Which policy judged the requests: the minutes can name the exact file.
                context.put("policy", s.policyFile().toString())
                        .put("policySha256", Hash256.ofFile(s.policyFile()).hex())
                        .put("policyMode", s.policy().mode().name().toLowerCase(java.util.Locale.ROOT));
            }
            List<String> present = participants(s, loaded, context);
            if (key instanceof ExportedPayloads e) {
                verifying = e.publicKey() == null ? null : PemKeys.loadVerifyingKey(e.publicKey());
            } else if (key instanceof ImportedSignatures i) {
                verifying = PemKeys.loadVerifyingKey(i.publicKey());
                signer = PayloadExchange.importer(i.dir(), verifying);
                context.put("importedSignatures", i.dir().toString()).put("publicKey", i.publicKey().toString())
                        .put("publicKeySha256", Hash256.ofFile(i.publicKey()).hex());
            } else {
                HeldKey held = (HeldKey) key;
                if (held.file() != null) {
                    // Which key file (or token configuration) this was, byte for byte: an input like the requests.
                    context.put("keyFileSha256", Hash256.ofFile(held.file()).hex());
                }
                SigningKey signing = held.load().get();
                verifying = signing.publicKey();
                if (held.oneAtATime()) {
                    Object token = new Object();
                    signer = l -> {
                        synchronized (token) {
                            return SigstructSigner.sign(l.unsigned(), signing);
                        }
                    };
                } else {
                    signer = l -> SigstructSigner.sign(l.unsigned(), signing);
                }
            }
            boolean export = key instanceof ExportedPayloads;
            String action = export ? "export" : "sign";
            Ceremony.Plan plan = Ceremony.plan(loaded, verifying, policy, s.out());
            Review.print(review, plan, key.describe(), action);
            present.forEach(review::println);
            review.flush();
            if (s.dryRun()) {
                review.println("dry run: nothing " + (export ? "exported" : "signed"));
                review.flush();
                return new Outcome(plan, Optional.empty(), List.of(), null, null);
            }
            if (plan.toSign() > 0) {
                confirmation.confirm(plan.toSign(), action);
            }
            Journal j = Journal.open(journalFile);
            if (export) {
                List<Path> files = PayloadExchange.export(plan, j, s.ceremonyId(), key.describe());
                return new Outcome(plan, Optional.empty(), files, j.file(), j.lastHash());
            }
            // Signing is CPU work: one signer per core. Writing the outputs has its own threads (Ceremony).
            int workers = Runtime.getRuntime().availableProcessors();
            Ceremony.Result result = Ceremony.run(plan, signer, workers, j, s.ceremonyId(), key.describe(),
                    ToolVersion.version(), context, progress);
            return new Outcome(plan, Optional.of(result), List.of(), j.file(), j.lastHash());
        }
    }
}
