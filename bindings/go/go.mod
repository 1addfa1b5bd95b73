module github.com/plasmite/plasmite/bindings/go

go 1.22
