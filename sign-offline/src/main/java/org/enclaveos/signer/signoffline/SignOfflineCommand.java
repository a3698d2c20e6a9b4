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
import org.enclaveos.signer.cli.CommandModel;
import org.enclaveos.signer.crypto.PemKeys;
import org.enclaveos.signer.crypto.SigningKey;
import org.enclaveos.signer.format.SigstructJson;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * {@code sign-offline}: the key ceremony's command line. Built programmatically ({@link Cli.Programmatic}):
 * reading its annotations made the JDK generate eight proxy classes in the interpreter at every ceremony's
 * start (issue 17). Each option is an {@link OptionSpec}; {@link #call} copies the parsed values into the
 * plain fields below, which the rest of the class reads.
 */
public final class SignOfflineCommand implements Callable<Integer>, Cli.Programmatic {
    static final String DEFAULT_JOURNAL = "journal.jsonl";

    private final PositionalParamSpec requestsParameter = PositionalParamSpec.builder().index("0..*").arity("0..*")
            .type(List.class).auxiliaryTypes(Path.class).paramLabel("REQUESTS")
            .description("Request files, or directories prepare --out wrote (with their bundle.json).").build();
    private final OptionSpec outOption = option(Path.class, "DIR", "Where NAME.MODEL.sigstruct and .response.json go.",
            "--out");
    private final OptionSpec keyOption = option(Path.class, "FILE.pem", "PEM private key (PKCS#1, PKCS#8, encrypted PKCS#8).",
            "--key");
    private final OptionSpec passphraseFileOption = option(Path.class, "FILE", "Read the key's passphrase from FILE's "
            + "first line.", "--passphrase-file");
    private final OptionSpec passphraseEnvOption = option(String.class, "VAR", "Read the key's passphrase from variable VAR.",
            "--passphrase-env");
    private final OptionSpec productionOption = CommandModel.flag("Production ceremony: refuse any request that could "
            + "launch in debug mode.", "--production");
    private final OptionSpec yesOption = CommandModel.flag("Skip the typed confirmation (scripted runs).", "--yes");
    private final OptionSpec dryRunOption = CommandModel.flag("Check and review, then stop without signing.", "--dry-run");
    private final OptionSpec journalOption = option(Path.class, "FILE", "Ceremony journal (default: OUT/" + DEFAULT_JOURNAL
            + ").", "--journal");
    private final OptionSpec ceremonyIdOption = option(String.class, "ID", "Operator's identifier for this ceremony, "
            + "journaled.", "--ceremony-id");
    private final OptionSpec exportPayloadsOption = option(Path.class, "DIR", "Write each request's 256-byte payload as "
            + "NAME.payload and stop.", "--export-payloads");
    private final OptionSpec importSignaturesOption = option(Path.class, "DIR", "Assemble NAME.sig files (384-byte "
            + "big-endian signatures).", "--import-signatures");
    private final OptionSpec publicKeyOption = option(Path.class, "PUB.pem", "The public key of the imported signatures.",
            "--public-key");
    private final OptionSpec verifyJournalOption = option(Path.class, "FILE", "Check a journal's hash chain and stop.",
            "--verify-journal");
    private final OptionSpec jsonOption = CommandModel.flag("Print one JSON document on stdout.", "--json");
    private final OptionSpec printBatchDigestOption = CommandModel.flag("Check the requests, print the batch digest (what "
            + "approvers sign: the requests' payloads and this ceremony's --production and --allow-attribute) as one line, "
            + "and stop.", "--print-batch-digest");
    private final OptionSpec policyFileOption = option(Path.class, "FILE.json", "Refuse requests this deployment policy "
            + "would reject, judged with this ceremony's key as the signer (JSON; convert YAML with 'policy check --json').",
            "--policy");
    private final OptionSpec allowAttributesOption = list("NAME", "In a --production ceremony, sign requests with this "
            + "launch privilege set: PROVISIONKEY or EINITTOKEN_KEY (repeatable).", "--allow-attribute");
    private final OptionSpec approvalsOption = option(Path.class, "DIR", "Approvals of this batch: SSH signatures (*.sig, "
            + "ssh-keygen -Y sign -n enclaveos-ceremony) of the file holding the --print-batch-digest line; checked "
            + "before the key is opened.", "--approvals");
    private final OptionSpec approversOption = option(Path.class, "FILE", "OpenSSH allowed_signers file naming the "
            + "approvers' keys.", "--approvers");
    private final OptionSpec requireApprovalsOption = option(Integer.class, "M", "Refuse the ceremony unless M distinct "
            + "approvers signed this batch (M-of-N).", "--require-approvals");
    private final OptionSpec operatorOption = option(String.class, "NAME", "Who runs the ceremony (journaled).", "--operator");
    private final OptionSpec witnessesOption = list("NAME", "A witness present (journaled; repeatable).", "--witness");
    private final OptionSpec locationOption = option(String.class, "TEXT", "Where the ceremony takes place (journaled).",
            "--location");
    private final OptionSpec notesOption = list("TEXT", "A deviation or remark for the record (journaled; repeatable).",
            "--note");
    private final OptionSpec recordOption = option(Path.class, "FILE.html", "After signing, write the printed ceremony "
            + "record (self-contained HTML for A4, made from the journal) to FILE.html.", "--record");
    private final OptionSpec recordFromJournalOption = option(Path.class, "JOURNAL", "Write the printed record of the "
            + "journal's last ceremony (or --ceremony-id's) to --out FILE.html, and stop.", "--record-from-journal");
    private final OptionSpec witnessConfirmationOption = CommandModel.flag("After the operator, each --witness in turn "
            + "types their name and the number of enclaves.", "--witness-confirmation");

    private final TokenOptions token = new TokenOptions();

    private final CommandSpec spec = CommandModel.command(this, "sign-offline",
            new String[] {"Sign requests on the air-gapped host, with a PEM key or a PKCS#11 HSM.", "",
                "Every request is checked first (bundle.json checksums; decoded fields, payload and hash against the "
                    + "unsigned bytes; pinned signer; --production policy). The review table then shows what will be "
                    + "signed and asks for the number of enclaves to be typed back. Each SIGSTRUCT is verified before "
                    + "it is written; outputs are written atomically and a rerun resumes an interrupted ceremony. Every "
                    + "step goes into a hash-chained journal. This command has no network code."},
            "", "Examples:",
            "  sign-offline requests/ --key prod.pem --production --out signed/      # asks for the passphrase",
            "  sign-offline requests/ --key prod.pem --passphrase-file <(pass show sgx/prod) --out signed/",
            "  sign-offline requests/ --pkcs11-config hsm.cfg --key-alias sgx-prod --pin-env HSM_PIN --out signed/",
            "  sign-offline requests/ --export-payloads payloads/        # then sign each NAME.payload elsewhere:",
            "  openssl dgst -sha256 -sign prod.pem -out payloads/NAME.sig payloads/NAME.payload",
            "  sign-offline requests/ --import-signatures payloads/ --public-key prod.pub.pem --out signed/",
            "  sign-offline --verify-journal signed/journal.jsonl")
            .addPositional(requestsParameter).addOption(outOption).addOption(keyOption).addOption(passphraseFileOption)
            .addOption(passphraseEnvOption).addMixin("token", token.mixin()).addOption(productionOption)
            .addOption(yesOption).addOption(dryRunOption).addOption(journalOption).addOption(ceremonyIdOption)
            .addOption(exportPayloadsOption).addOption(importSignaturesOption).addOption(publicKeyOption)
            .addOption(verifyJournalOption).addOption(jsonOption).addOption(printBatchDigestOption)
            .addOption(policyFileOption).addOption(allowAttributesOption).addOption(approvalsOption)
            .addOption(approversOption).addOption(requireApprovalsOption).addOption(operatorOption)
            .addOption(witnessesOption).addOption(locationOption).addOption(notesOption).addOption(recordOption)
            .addOption(recordFromJournalOption).addOption(witnessConfirmationOption);

    // The parsed values (bind()).
    List<Path> requests;
    Path out;
    Path key;
    Path passphraseFile;
    String passphraseEnv;
    boolean production;
    boolean yes;
    boolean dryRun;
    Path journal;
    String ceremonyId;
    Path exportPayloads;
    Path importSignatures;
    Path publicKey;
    Path verifyJournal;
    boolean json;
    boolean printBatchDigest;
    Path policyFile;
    List<String> allowAttributes;
    Path approvals;
    Path approvers;
    Integer requireApprovals;
    String operator;
    List<String> witnesses;
    String location;
    List<String> notes;
    Path record;
    Path recordFromJournal;
    boolean witnessConfirmation;

    @Override
    public CommandSpec spec() {
        return spec;
    }

    private static OptionSpec option(Class<?> type, String label, String description, String name) {
        return CommandModel.option(type, label, description, name).build();
    }

    /** A repeatable option: each occurrence adds one value. */
    private static OptionSpec list(String label, String description, String name) {
        return CommandModel.option(List.class, label, description, name).auxiliaryTypes(String.class).build();
    }

    /** Copies what was parsed into the fields; a list not given is empty. */
    private void bind() {
        requests = orEmpty(requestsParameter.getValue());
        out = outOption.getValue();
        key = keyOption.getValue();
        passphraseFile = passphraseFileOption.getValue();
        passphraseEnv = passphraseEnvOption.getValue();
        production = productionOption.getValue();
        yes = yesOption.getValue();
        dryRun = dryRunOption.getValue();
        journal = journalOption.getValue();
        ceremonyId = ceremonyIdOption.getValue();
        exportPayloads = exportPayloadsOption.getValue();
        importSignatures = importSignaturesOption.getValue();
        publicKey = publicKeyOption.getValue();
        verifyJournal = verifyJournalOption.getValue();
        json = jsonOption.getValue();
        printBatchDigest = printBatchDigestOption.getValue();
        policyFile = policyFileOption.getValue();
        allowAttributes = orEmpty(allowAttributesOption.getValue());
        approvals = approvalsOption.getValue();
        approvers = approversOption.getValue();
        requireApprovals = requireApprovalsOption.getValue();
        operator = operatorOption.getValue();
        witnesses = orEmpty(witnessesOption.getValue());
        location = locationOption.getValue();
        notes = orEmpty(notesOption.getValue());
        record = recordOption.getValue();
        recordFromJournal = recordFromJournalOption.getValue();
        witnessConfirmation = witnessConfirmationOption.getValue();
    }

    private static <T> List<T> orEmpty(List<T> values) {
        return values == null ? List.of() : values;
    }

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
        PrintWriter stdout = spec.commandLine().getOut();
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
        picocli.CommandLine cl = Cli.commandLine(new SignOfflineCommand());
        cl.addMixin("global", org.enclaveos.signer.cli.GlobalOptions.mixin());
        cl.addSubcommand(new TokenKeygenCommand());
        cl.addSubcommand(Cli.model(new org.enclaveos.signer.cli.InspectCommand()));
        cl.addSubcommand(Cli.model(new org.enclaveos.signer.cli.VerifyCommand()));
        System.exit(Cli.execute(cl, args));
    }
}
