# Homebrew formula for plasmite. `cargo xtask bump` moves the version and the
# URLs; `cargo xtask homebrew` fills the sha256 lines from a release's sums.
class Plasmite < Formula
  desc "Plasmite command-line tool"
  homepage "https://github.com/plasmite/plasmite"
  version "0.1.0"
  license "MIT"

  on_macos do
    on_arm do
      url "https://github.com/plasmite/plasmite/releases/download/v0.1.0/plasmite_0.1.0_macos-arm64.tar.gz"
      sha256 "0000000000000000000000000000000000000000000000000000000000000000"
    end
    on_intel do
      url "https://github.com/plasmite/plasmite/releases/download/v0.1.0/plasmite_0.1.0_macos-x86_64.tar.gz"
      sha256 "0000000000000000000000000000000000000000000000000000000000000000"
    end
  end

  on_linux do
    on_intel do
      url "https://github.com/plasmite/plasmite/releases/download/v0.1.0/plasmite_0.1.0_linux-x86_64.tar.gz"
      sha256 "0000000000000000000000000000000000000000000000000000000000000000"
    end
  end

  def install
    bin.install "plasmite"
  end

  test do
    assert_match "plasmite #{version}", shell_output("#{bin}/plasmite --version")
  end
end
