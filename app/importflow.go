package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/service/api"
	"github.com/wgtray/wgtray/service/client"
)

// progressAfter is how many tunnels an import needs before it shows a
// progress bar.
const progressAfter = 5

// source is one file to import; read runs off the UI thread.
type source struct {
	name string
	read func() ([]byte, error)
	// results, when set, reads and parses the source itself: a folder's
	// .conf files with the Rosenpass keys beside them.
	results func() []importer.Result
}

// outcome is what became of one tunnel found in the imported files.
type outcome struct {
	source, name string
	err          error
	notApplied   []string               // what the imported config asks for that wgtray does not do
	cfg          *importer.Config       // the valid config, to import again under another name
	replaced     bool                   // cfg replaced the user's tunnel of that name
	rosenpass    *importer.RosenpassKey // the server's key that came with cfg
}

func (o outcome) String() string {
	if o.err != nil {
		return "✗ " + o.source + ": " + problems(o.source, o.err)
	}
	s := "✓ " + o.source + " → " + o.name
	if o.replaced {
		s += " " + lang.L("(replaced)")
	}
	for _, note := range o.notApplied {
		s += "\n    " + note
	}
	return s
}

// problems says what is wrong with the config from source without naming
// source again on every line, and names a key once where its message
// starts with it ("line 2: PrivateKey must be…", not "bundle.zip:a.conf:2:
// PrivateKey: PrivateKey must be…").
func problems(source string, err error) string {
	var errs importer.Errors
	if !errors.As(err, &errs) {
		return err.Error()
	}
	lines := make([]string, len(errs))
	for i, e := range errs {
		c := *e
		if c.File == source {
			c.File = ""
		}
		if strings.HasPrefix(c.Msg, c.Key+" ") {
			c.Key = ""
		}
		lines[i] = c.Error()
		if c.File == "" && c.Line > 0 {
			lines[i] = lang.L("line {{.Line}}", map[string]string{"Line": strconv.Itoa(c.Line)}) + lines[i][len(strconv.Itoa(c.Line)):]
		}
	}
	if len(lines) == 1 {
		return lines[0]
	}
	return "\n    " + strings.Join(lines, "\n    ")
}

// ImportDialog lets the user pick a .conf, .zip or QR image.
func (a *App) ImportDialog() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			a.showError(err)
			return
		}
		if r == nil {
			return
		}
		a.importSources([]source{{name: r.URI().Name(), read: func() ([]byte, error) {
			defer r.Close()
			return io.ReadAll(io.LimitReader(r, importer.MaxImportSize+1))
		}}})
	}, a.win)
	d.SetFilter(storage.NewExtensionFileFilter(importExtensions))
	a.showFileDialog(d)
}

// showFileDialog shows a file dialog nearly as large as the window: at
// its own minimum size the names of the files wrap inside their icons
// ("Downloa" over "ds").
func (a *App) showFileDialog(d *dialog.FileDialog) {
	d.Show()
	s := a.win.Canvas().Size()
	d.Resize(fyne.NewSize(s.Width-2*theme.Padding()*4, s.Height-2*theme.Padding()*4))
}

// importExtensions are the files the import dialogs offer.
var importExtensions = []string{".conf", ".zip", ".png", ".jpg", ".jpeg", ".gif"}

// importFolderDialog imports every file of a chosen folder that the file
// dialog would offer: several files at once, which Fyne's file dialog
// cannot pick.
func (a *App) importFolderDialog() {
	a.showFileDialog(dialog.NewFolderOpen(func(dir fyne.ListableURI, err error) {
		if err != nil {
			a.showError(err)
			return
		}
		if dir != nil {
			a.importFolder(dir)
		}
	}, a.win))
}

func (a *App) importFolder(dir fyne.ListableURI) {
	entries, err := dir.List()
	if err != nil {
		a.showError(fmt.Errorf("%s: %w", lang.L("Cannot read the folder {{.Name}}", map[string]string{"Name": dir.Name()}), err))
		return
	}
	// A local folder with Rosenpass keys beside its .conf files: the
	// importer pairs them (NAME.pqpk, NAME.rosenpass-public/).
	withKeys := dir.Scheme() == "file" && slices.ContainsFunc(entries, func(u fyne.URI) bool {
		return strings.EqualFold(u.Extension(), ".pqpk") || strings.HasSuffix(u.Name(), ".rosenpass-public")
	})
	var uris []fyne.URI
	confs := false
	for _, u := range entries {
		ext := strings.ToLower(u.Extension())
		switch {
		case withKeys && ext == ".conf":
			confs = true
		case slices.Contains(importExtensions, ext):
			uris = append(uris, u)
		}
	}
	if len(uris) == 0 && !confs {
		a.showError(errors.New(lang.L("The folder {{.Name}} has no .conf, .zip or image files to import.", map[string]string{"Name": dir.Name()})))
		return
	}
	srcs := a.uriSources(uris)
	if confs {
		path := dir.Path()
		srcs = append(srcs, source{name: dir.Name(), results: func() []importer.Result {
			return importer.ImportDir(path, os.DirFS(path))
		}})
	}
	a.importSources(srcs)
}

// importURIs imports dropped files.
func (a *App) importURIs(uris []fyne.URI) {
	a.importSources(a.uriSources(uris))
}

func (a *App) uriSources(uris []fyne.URI) []source {
	srcs := make([]source, len(uris))
	for i, u := range uris {
		srcs[i] = source{name: u.Name(), read: func() ([]byte, error) {
			r, err := storage.Reader(u)
			if err != nil {
				return nil, err
			}
			defer r.Close()
			return io.ReadAll(io.LimitReader(r, importer.MaxImportSize+1))
		}}
	}
	return srcs
}

// ImportPaths imports files named on the command line.
func (a *App) ImportPaths(paths []string) {
	srcs := make([]source, len(paths))
	for i, p := range paths {
		srcs[i] = source{name: p, read: func() ([]byte, error) { return os.ReadFile(p) }}
	}
	a.importSources(srcs)
}

// importSources reads and parses the files, stores every valid tunnel with
// the service, and ends with a summary per tunnel. A bundle of more than
// progressAfter tunnels shows a progress bar meanwhile.
func (a *App) importSources(srcs []source) {
	if len(srcs) == 0 {
		return
	}
	bar := widget.NewProgressBar()
	status := widget.NewLabel(lang.L("Reading files…"))
	progress := dialog.NewCustomWithoutButtons(lang.L("Importing"), container.NewVBox(status, bar), a.win)
	var outcomes []outcome
	a.async(func(ctx context.Context) error {
		var results []importer.Result
		for _, s := range srcs {
			if s.results != nil {
				results = append(results, s.results()...)
				continue
			}
			data, err := s.read()
			if err != nil {
				results = append(results, importer.Result{Source: s.name, Err: fmt.Errorf("%s: %w", lang.L("cannot read the file"), err)})
				continue
			}
			results = append(results, importer.Import(s.name, data)...)
		}
		importer.MarkDuplicates(results)
		if len(results) > progressAfter {
			a.opts.Do(progress.Show)
		}
		for i, r := range results {
			o := outcome{source: r.Source, name: r.Name, err: r.Err, cfg: r.Config, rosenpass: r.Rosenpass}
			if r.Err == nil {
				importFn := a.svc.Import
				if r.Derived {
					importFn = a.svc.ImportDerived
				}
				var t api.Tunnel
				if t, o.err = importFn(ctx, r.Name, r.Config); o.err == nil {
					o.name, o.notApplied = t.Name, r.Config.NotApplied()
					if r.Rosenpass != nil {
						o.notApplied = append(o.notApplied, a.rosenpassFromBundle(ctx, t.Name, r.Rosenpass))
					}
				}
			}
			outcomes = append(outcomes, o)
			a.opts.Do(func() {
				status.SetText(fmt.Sprintf("%d of %d: %s", i+1, len(results), r.Source))
				bar.SetValue(float64(i+1) / float64(len(results)))
			})
		}
		return ctx.Err()
	}, func(error) {
		progress.Hide()
		a.resolveConflicts(outcomes, func() { a.showImportSummary(outcomes) })
	})
}

// showImportSummary selects the first imported tunnel. One tunnel imported
// without a problem or a note needs no dialog, a notification says so;
// anything else gets a summary with a line per tunnel.
func (a *App) showImportSummary(outcomes []outcome) {
	ok := 0
	lines := make([]string, len(outcomes))
	for i, o := range outcomes {
		if o.err == nil {
			if ok == 0 {
				a.selectTunnel(o.name)
			}
			ok++
		}
		lines[i] = o.String()
	}
	a.refresh()
	if ok == 1 && len(outcomes) == 1 && len(outcomes[0].notApplied) == 0 {
		a.notify(lang.L("Imported {{.Name}}", map[string]string{"Name": outcomes[0].name}), lang.L("From {{.Source}}. Activate it from the window or the tray.", map[string]string{"Source": outcomes[0].source}))
		return
	}
	head := widget.NewLabel(lang.L("Imported {{.OK}} of {{.All}} tunnels.", map[string]int{"OK": ok, "All": len(outcomes)}))
	body := widget.NewLabel(strings.Join(lines, "\n"))
	body.Wrapping = fyne.TextWrapWord
	scroll := container.NewVScroll(body)
	scroll.SetMinSize(fyne.NewSize(560, min(float32(len(outcomes))*40+20, 320)))
	dialog.NewCustom(lang.L("Import"), lang.L("Close"), container.NewBorder(head, nil, nil, nil, scroll), a.win).Show()
}

// importClipboard opens the editor on the text in the clipboard so the
// user can name the tunnel and see any problem in place.
func (a *App) importClipboard() {
	text := a.fy.Clipboard().Content()
	if strings.TrimSpace(text) == "" {
		dialog.NewInformation(lang.L("Paste"), lang.L("The clipboard holds no text. Copy a WireGuard configuration (it starts with [Interface]) and try again."), a.win).Show()
		return
	}
	a.openEditor("", text)
}

// hint says what to do about a service error with code, in this app: ""
// when there is nothing to add.
func hint(code string) string {
	switch code {
	case api.CodeNotFound:
		return lang.L("The list of tunnels shows the tunnels there are.")
	case api.CodeExists:
		return lang.L("Choose another name.")
	case api.CodeEndpointUnresolvable:
		return lang.L("Check the peer's Endpoint and the network connection.")
	case api.CodeNoTUN:
		return lang.L("This computer offers no TUN device: install or load its TUN driver.")
	case api.CodeAddressConflict:
		return lang.L("Bring down the other tunnel or interface with that address, or change Address.")
	case api.CodeRouteConflict:
		return lang.L("Remove the other route or change AllowedIPs in the editor.")
	case api.CodeNoPrivateKey:
		return lang.L("Import the config again with its PrivateKey.")
	case api.CodeKillSwitchLocked:
		return lang.L("Ask an administrator to change it.")
	}
	return ""
}

// withHint is err and, for a service error with a hint, the hint.
func withHint(err error) error {
	if h := hint(client.Code(err)); h != "" {
		return fmt.Errorf("%w\n\n%s", err, h)
	}
	return err
}

// showError shows err with what to do about it. Fyne's own error dialog capitalises the first letter, which changes a
// tunnel's name at the start of a sentence ("Home186 cannot come up"):
// names keep their case here.
func (a *App) showError(err error) {
	text := widget.NewLabel(withHint(err).Error())
	text.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom(lang.L("Error"), lang.L("OK"), text, a.win)
	d.SetIcon(theme.ErrorIcon())
	d.Resize(fyne.NewSize(min(520, a.win.Canvas().Size().Width), d.MinSize().Height))
	d.Show()
}
