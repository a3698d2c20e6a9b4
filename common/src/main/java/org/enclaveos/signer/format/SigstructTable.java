package org.enclaveos.signer.format;

import org.enclaveos.signer.sgx.SigstructField;

/** The SIGSTRUCT field table as Markdown, for docs/sigstruct.md (a test keeps the two equal). */
public final class SigstructTable {
    private SigstructTable() {
    }

    public static String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("| offset | size | field | signed | meaning |\n");
        sb.append("|---:|---:|---|:---:|---|\n");
        for (SigstructField f : SigstructField.values()) {
            sb.append("| ").append(f.offset()).append(" | ").append(f.size()).append(" | ").append(f.name())
                    .append(" | ").append(f.signed() ? "yes" : "no").append(" | ").append(f.description()).append(" |\n");
        }
        return sb.toString();
    }

    public static void main(String[] args) {
        System.out.print(markdown());
    }
}
