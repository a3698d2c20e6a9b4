package org.enclaveos.signer.signoffline;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.cli.Cli;
import org.enclaveos.signer.crypto.PemKeys;
import org.enclaveos.signer.crypto.SigningKey;
import org.enclaveos.signer.format.SigstructJson;

/**
 * {@code sign-offline}: checks, reviews and signs requests in one ceremony, or checks a journal, prints
 * a record, exports payloads, imports signatures. Its command line is {@link SignOfflineOptions}.
 */
public final class SignOfflineCommand extends SignOfflineOptions implements Callable<Integer> {

    private KeyCeremony.Participants participants() {
        boolean any = approvals != null || approvers != null || requireApprovals != null;
        if (any && (approvals == null || approvers == null || requireApprovals == null)) {
            throw usage("--approvals, --approvers and --require-approvals go together");
        }
        if (requireApprovals != null && requireApprovals < 1) {
            throw usage("--require-approvals " + requireApprovals + ": give at least 1");
        }
        if (witnessConfirmation && witnesses.isEmpty()) {
            throw usage("--witness-confirmation needs at least one --witness");
        }
        if (witnessConfirmation && yes) {
            throw usage("--witness-confirmation and --yes contradict each other");
        }
        for (String v : concat(operator, location, witnesses, notes)) {
            if (v.isBlank() || org.enclaveos.signer.io.TerminalText.firstUnsafe(v).isPresent()) {
                throw usage("'" + org.enclaveos.signer.io.TerminalText.escape(v) + "': --operator, --witness, --location "
                        + "and --note take printable text");
            }
        }
        return new KeyCeremony.Participants(operator, witnesses, location, notes,
                approvals == null ? null : new Approvals.Rule(approvals, approvers, requireApprovals));
    }

    private static List<String> concat(String a, String b, List<String> c, List<String> d) {
        List<String> all = new java.util.ArrayList<>();
        if (a != null) {
            all.add(a);
        }
        if (b != null) {
            all.add(b);
        }
        all.addAll(c);
        all.addAll(d);
        return all;
    }

    /** The operator's count, then each witness's name and count. */
    private KeyCeremony.Confirmation confirmation() {
        if (yes) {
            return KeyCeremony.AUTOMATIC;
        }
        if (!witnessConfirmation) {
            return SignOfflineCommand::confirm;
        }
        return (toSign, action) -> {
            confirm(toSign, action);
            for (String w : witnesses) {
                String typed = org.enclaveos.signer.cli.Terminal.readLine("Witness " + w + ", type your name: ");
                if (typed == null || !typed.trim().equals(w)) {
                    throw new SignerException(ErrorKind.POLICY, "witness " + w + " did not confirm (typed '"
                            + (typed == null ? "" : typed.trim()) + "'); nothing was signed");
                }
                confirm(toSign, action);
            }
        };
    }

    @Override
    public Integer call() {
        bind();
        if (verifyJournal != null) {
            return verifyJournal();
        }
        if (recordFromJournal != null) {
            return recordFromJournal();
        }
        if (requests.isEmpty()) {
            throw usage("give the request files or directories to sign");
        }
        if (printBatchDigest) {
            // Only the digest on stdout: approvers sign a file holding exactly this line.
            List<org.enclaveos.signer.request.SigningRequest> loaded = org.enclaveos.signer.request.RequestSet.load(requests)
                    .stream().map(org.enclaveos.signer.request.RequestSet.Loaded::request).toList();
            PrintWriter stdout = spec.commandLine().getOut();
            stdout.print(org.enclaveos.signer.request.BatchDigest.of(loaded, production,
                    java.util.Set.copyOf(allowAttributes)).hex() + "\n");
            stdout.flush();
            return 0;
        }
        boolean export = exportPayloads != null;
        if (export && (out != null || key != null || token.config() != null || importSignatures != null)) {
            throw usage("--export-payloads DIR writes only payloads; give no --out, --key, --pkcs11-config or "
                    + "--import-signatures with it");
        }
        if (!export && out == null) {
            throw usage("--out DIR is required");
        }
        int sources = (key != null ? 1 : 0) + (token.config() != null ? 1 : 0) + (importSignatures != null ? 1 : 0);
        if (!export && sources != 1) {
            throw usage("give exactly one of --key, --pkcs11-config or --import-signatures");
        }
        if ((token.config() == null) != (token.alias() == null)) {
            throw usage("--pkcs11-config and --key-alias go together");
        }
        if (importSignatures == null && publicKey != null && !export) {
            throw usage("--public-key goes with --import-signatures or --export-payloads");
        }
        if (importSignatures != null && publicKey == null) {
            throw usage("--import-signatures and --public-key go together");
        }
        if (key == null && (passphraseFile != null || passphraseEnv != null)) {
            throw usage("--passphrase-file and --passphrase-env go with --key");
        }
        if (token.config() == null && token.pinGiven()) {
            throw usage("--pin-file and --pin-env go with --pkcs11-config");
        }
        if (record != null) {
            if (export || dryRun) {
                throw usage("--record prints a signing ceremony: not with --dry-run or --export-payloads");
            }
            if (java.nio.file.Files.exists(record, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                throw new SignerException(ErrorKind.OUTPUT_EXISTS, record + ": already exists; not overwritten");
            }
        }
        Path outDir = export ? exportPayloads : out;
        KeyCeremony.Key source;
        if (export) {
            source = new KeyCeremony.ExportedPayloads(publicKey);
        } else if (importSignatures != null) {
            source = new KeyCeremony.ImportedSignatures(importSignatures, publicKey);
        } else if (key != null) {
            source = KeyCeremony.pem(key, passphraseFile, passphraseEnv, spec.commandLine().getErr());
        } else {
            // One operation at a time on the token: not every HSM takes concurrent sessions well.
            source = new KeyCeremony.HeldKey(this::loadPkcs11, "PKCS#11 " + token.config() + " alias " + token.alias(), true,
                    token.config());
        }
        KeyCeremony.Settings settings = new KeyCeremony.Settings(requests, outDir, journal, production,
                java.util.Set.copyOf(allowAttributes), ceremonyId, dryRun,
                policyFile == null ? null : org.enclaveos.signer.policy.PolicyFiles.load(policyFile, null), policyFile,
                participants());
        KeyCeremony.Outcome done = KeyCeremony.run(settings, source, spec.commandLine().getErr(), confirmation(),
                org.enclaveos.signer.cli.ProgressLine.forCommand(spec));
        if (dryRun) {
            return 0;
        }
        if (export) {
            return reportExport(done.plan(), done.payloads(), done);
        }
        if (record != null) {
            // From the journal just written, as --record-from-journal would: the same bytes either way.
            CeremonyRecord.Lines printed = CeremonyRecord.write(done.journal(), ceremonyId, record);
            if (!printed.lastLineSha256().equals(done.journalLastLineSha256())) {
                throw new SignerException(ErrorKind.INTEGRITY, done.journal() + ": changed while the record was made "
                        + "(its last line is not this ceremony's); check the journal");
            }
        }
        report(done.plan(), done.result().orElseThrow(), done);
        return 0;
    }

    private int recordFromJournal() {
        if (!requests.isEmpty() || out == null) {
            throw usage("--record-from-journal JOURNAL takes no requests and needs --out FILE.html");
        }
        CeremonyRecord.Lines printed = CeremonyRecord.write(recordFromJournal, ceremonyId, out);
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.println("wrote " + out + ": ceremony " + printed.start().path("ceremonyId").asText("(no id)") + ", "
                + printed.requests().size() + " requests, " + CeremonyRecord.pages(printed.requests().size())
                + " pages; journal line sha256 " + printed.lastLineSha256());
        stdout.flush();
        return 0;
    }

    /**
     * The operator types the number of enclaves: a count read off the review, not a reflex "y". Read from
     * the terminal even when stdin is a pipe that carried the passphrase.
     */
    private static void confirm(long toSign, String action) {
        String typed = org.enclaveos.signer.cli.Terminal.readLine("Type the number of enclaves to " + action + " ("
                + toSign + ") to go on: ");
        if (typed == null) {
            throw new SignerException(ErrorKind.USAGE, "no terminal to confirm the review on; give --yes for a scripted "
                    + "run (or --dry-run to only review)");
        }
        if (!typed.trim().equals(Long.toString(toSign))) {
            throw new SignerException(ErrorKind.POLICY, "confirmation not given (typed '" + typed.trim()
                    + "', expected " + toSign + "); nothing was " + (action.equals("sign") ? "signed" : "exported"));
        }
    }

    private SigningKey loadPkcs11() {
        char[] pin = token.pin();
        try {
            return Pkcs11Keys.load(token.config(), token.alias(), pin);
        } finally {
            Arrays.fill(pin, '\0');
        }
    }

    private int reportExport(Ceremony.Plan plan, List<Path> files, KeyCeremony.Outcome j) {
        PrintWriter stdout = spec.commandLine().getOut();
        List<Ceremony.Item> items = plan.items();
        if (json) {
            ObjectNode doc = SigstructJson.object();
            ArrayNode list = doc.putArray("payloads");
            for (int i = 0; i < files.size(); i++) {
                list.addObject().put("id", items.get(i).request().id()).put("file", files.get(i).toString())
                        .put("sha256", items.get(i).request().unsigned().signingPayloadSha256().hex());
            }
            doc.put("journal", j.journal().toString()).put("journalLastLineSha256", j.journalLastLineSha256());
            stdout.print(SigstructJson.print(doc));
        } else {
            for (int i = 0; i < files.size(); i++) {
                stdout.println(files.get(i) + "  sha256 " + items.get(i).request().unsigned().signingPayloadSha256());
            }
            stdout.println(files.size() + " payloads exported, journal " + j.journal());
            stdout.println("journal last line sha256 " + j.journalLastLineSha256() + " (record it with the ceremony minutes)");
        }
        stdout.flush();
        return 0;
    }

    private int verifyJournal() {
        if (!requests.isEmpty() || out != null) {
            throw usage("--verify-journal takes no requests and no --out");
        }
        Journal.Tail tail = Journal.verify(verifyJournal);
        PrintWriter stdout = spec.commandLine().getOut();
        if (json) {
            ObjectNode doc = SigstructJson.object();
            doc.put("journal", verifyJournal.toString()).put("lines", tail.lines()).put("valid", true)
                    .put("lastLineSha256", tail.lastHash());
            stdout.print(SigstructJson.print(doc));
        } else {
            stdout.println("OK " + verifyJournal + ": " + tail.lines() + " lines, hash chain intact, last line sha256 "
                    + tail.lastHash());
        }
        stdout.flush();
        return 0;
    }

    private void report(Ceremony.Plan plan, Ceremony.Result result, KeyCeremony.Outcome j) {
        PrintWriter stdout = Review.batched(spec.commandLine().getOut());
        if (json) {
            ObjectNode doc = SigstructJson.object();
            doc.put("mrsigner", plan.signer().mrsigner().hex());
            doc.put("signed", result.signed());
            doc.put("alreadySigned", result.alreadySigned());
            doc.put("journal", j.journal().toString());
            doc.put("journalLastLineSha256", j.journalLastLineSha256());
            ArrayNode list = doc.putArray("outputs");
            for (Ceremony.Item i : plan.items()) {
                list.addObject().put("id", i.request().id()).put("sigstruct", i.sigstructFile(out).toString())
                        .put("response", i.responseFile(out).toString())
                        .put("status", i.status() == Ceremony.Status.TO_SIGN ? "signed" : "already-signed");
            }
            stdout.print(SigstructJson.print(doc));
        } else {
            for (Ceremony.Item i : plan.items()) {
                stdout.println((i.status() == Ceremony.Status.TO_SIGN ? "signed " : "already signed ")
                        + i.sigstructFile(out));
            }
            stdout.println(result.signed() + " signed, " + result.alreadySigned() + " already signed, MRSIGNER "
                    + plan.signer().mrsigner() + ", journal " + j.journal());
            // No later line vouches for the last one: this hash, written down, is what does.
            stdout.println("journal last line sha256 " + j.journalLastLineSha256() + " (record it with the ceremony minutes)");
        }
        stdout.flush();
    }

    private static SignerException usage(String message) {
        return new SignerException(ErrorKind.USAGE, message);
    }

    /** The standalone jar for the air-gapped host: sign-offline, plus the offline commands. */
    public static void main(String[] args) {
        if (Cli.isVersion(args)) {
            System.exit(Cli.printVersion(System.out)); // no model built for it, as in the full jar
        }
        picocli.CommandLine cl = Cli.commandLine(new SignOfflineCommand());
        cl.addMixin("global", org.enclaveos.signer.cli.GlobalOptions.mixin());
        cl.addSubcommand(new TokenKeygenCommand());
        cl.addSubcommand(Cli.model(new org.enclaveos.signer.cli.InspectCommand()));
        cl.addSubcommand(Cli.model(new org.enclaveos.signer.cli.VerifyCommand()));
        System.exit(Cli.execute(cl, args));
    }
}
