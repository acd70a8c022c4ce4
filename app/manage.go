package app

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/wgtray/wgtray/importer"

	"github.com/wgtray/wgtray/internal/atomicfile"
)

// privateKeyWarning says what an exported file holds.
func privateKeyWarning() string {
	return lang.L("The exported file holds the private key of the tunnel. Anyone who has it can impersonate this computer: keep it safe and delete it when you no longer need it.")
}

// exportTunnel saves one tunnel as a wg-quick .conf after a warning.
func (a *App) exportTunnel(name string) {
	dialog.NewConfirm(lang.L("Export {{.Name}}", map[string]string{"Name": name}), privateKeyWarning(), func(ok bool) {
		if !ok {
			return
		}
		a.saveFile(name+".conf", func(ctx context.Context) ([]byte, error) {
			cfg, err := a.svc.Export(ctx, name)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", lang.L("Cannot export {{.Name}}", map[string]string{"Name": name}), err)
			}
			return []byte(cfg.String()), nil
		})
	}, a.win).Show()
}

// exportAll saves every tunnel of this user in one .zip after a warning.
func (a *App) exportAll() {
	names := a.exportable()
	if len(names) == 0 {
		dialog.NewInformation(lang.L("Export all"), lang.L("There are no tunnels of yours to export."), a.win).Show()
		return
	}
	dialog.NewConfirm(lang.L("Export all tunnels"), privateKeyWarning(), func(ok bool) {
		if !ok {
			return
		}
		a.saveFile("wgtray-tunnels.zip", func(ctx context.Context) ([]byte, error) {
			cfgs := make(map[string]*importer.Config, len(names))
			for _, n := range names {
				cfg, err := a.svc.Export(ctx, n)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", lang.L("Cannot export {{.Name}}", map[string]string{"Name": n}), err)
				}
				cfgs[n] = cfg
			}
			return zipConfigs(names, cfgs, a.opts.Now())
		})
	}, a.win).Show()
}

// exportable are the tunnels of this user, the ones Export all saves.
func (a *App) exportable() []string {
	var names []string
	for _, n := range a.names {
		if a.tunnels[n].Mine {
			names = append(names, n)
		}
	}
	return names
}

// zipConfigs writes NAME.conf for every tunnel into a .zip archive.
func zipConfigs(names []string, cfgs map[string]*importer.Config, now time.Time) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n + ".conf", Method: zip.Deflate, Modified: now})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write([]byte(cfgs[n].String())); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// saveFile asks where to save, then produces the content off the UI
// thread and writes it.
func (a *App) saveFile(suggested string, produce func(context.Context) ([]byte, error)) {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			a.showError(err)
			return
		}
		if w == nil {
			return
		}
		a.async(func(ctx context.Context) error {
			data, err := produce(ctx)
			if err != nil {
				w.Close()
				return err
			}
			if err := writeExport(w, data); err != nil {
				return fmt.Errorf("%s: %w", lang.L("Cannot write {{.Name}}", map[string]string{"Name": w.URI().Name()}), err)
			}
			return nil
		}, func(err error) {
			if err != nil {
				a.showError(err)
				if rmErr := storage.Delete(w.URI()); rmErr != nil {
					fyne.LogError("remove partial export", rmErr)
				}
			}
		})
	}, a.win)
	d.SetFileName(suggested)
	a.showFileDialog(d)
}

// writeExport writes an export, which holds private keys, and closes w.
// The storage writer creates a local file as the umask allows (0644) and
// keeps the mode of one that exists, so a local file is written anew,
// readable by its owner only.
func writeExport(w fyne.URIWriteCloser, data []byte) error {
	u := w.URI()
	if u.Scheme() != "file" {
		_, err := w.Write(data)
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return atomicfile.Write(u.Path(), data, 0o600)
}

// removeTunnel deletes a tunnel and its keys after a confirmation.
func (a *App) removeTunnel(name string) {
	a.confirmDestructive(lang.L("Remove {{.Name}}", map[string]string{"Name": name}),
		lang.L("Remove the tunnel {{.Name}} and its keys from this computer? This cannot be undone; export it first to keep a copy.", map[string]string{"Name": name}),
		lang.L("Remove"), func() {
			a.async(func(ctx context.Context) error {
				return a.svc.Delete(ctx, name)
			}, func(err error) {
				if err != nil {
					a.showError(fmt.Errorf("%s: %w", lang.L("Cannot remove {{.Name}}", map[string]string{"Name": name}), err))
				}
			})
		}, nil)
}

// confirmDestructive asks before something that cannot be taken back:
// Cancel is the default button (highlighted and focused, so Enter or
// Space cancels), the action has to be chosen. cancelled, if set, runs
// when the user does not go ahead.
func (a *App) confirmDestructive(title, message, action string, confirmed, cancelled func()) {
	text := widget.NewLabel(message)
	text.Wrapping = fyne.TextWrapWord
	var d *dialog.CustomDialog
	cancel := &widget.Button{Text: lang.L("Cancel"), Icon: theme.CancelIcon(), Importance: widget.HighImportance}
	act := &widget.Button{Text: action, Icon: theme.ConfirmIcon(), Importance: widget.DangerImportance}
	cancel.OnTapped = func() {
		d.Hide()
		if cancelled != nil {
			cancelled()
		}
	}
	act.OnTapped = func() {
		d.Hide()
		confirmed()
	}
	d = dialog.NewCustomWithoutButtons(title, text, a.win)
	d.SetButtons([]fyne.CanvasObject{cancel, act})
	d.Resize(fyne.NewSize(min(480, a.win.Canvas().Size().Width), d.MinSize().Height))
	d.Show()
	a.win.Canvas().Focus(cancel)
}
