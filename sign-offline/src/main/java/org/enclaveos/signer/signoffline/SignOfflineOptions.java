package org.enclaveos.signer.signoffline;

import java.nio.file.Path;
import java.util.List;

import org.enclaveos.signer.cli.Cli;
import org.enclaveos.signer.cli.CommandModel;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * sign-offline's command line: its options, its help, and the values parsed. Built programmatically
 * ({@link Cli.Programmatic}): reading annotations made the JDK generate eight proxy classes in the
 * interpreter at every ceremony's start (issue 17). Each option is an {@link OptionSpec};
 * {@link #bind} copies the parsed values into the plain fields, which {@link SignOfflineCommand} reads.
 */
abstract class SignOfflineOptions implements Cli.Programmatic {
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

    final TokenOptions token = new TokenOptions();

    final CommandSpec spec = CommandModel.command(this, "sign-offline",
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
    void bind() {
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
}
